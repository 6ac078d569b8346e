/**
 * The typed calendar client: finds the office that holds a person (from the replicated directory,
 * then remembering the answer), sends each call to that office's
 * Raft group, and turns the notification long poll into a subscription that resumes where its
 * consumer left off across reconnects and leader changes.
 */
import type { CalendarMethods } from '../calendar-service/calendar-api.js'
import type { FreeBusyMethods } from '../free-busy/free-busy-api.js'
import type { NotificationRecord } from '../calendar-service/calendar-records.js'
import type { ClusterConfig } from '../config/cluster-config-schema.js'
import { officeClientUrls } from '../config/cluster-topology.js'
import { clientUrl } from '../rpc/endpoint-urls.js'
import { isRetryable, RpcError } from '../rpc/rpc-error.js'
import type { OfficeMethods } from '../office/office-api.js'
import { ClusterClient, type CallOptions } from './cluster-client.js'
import { asBookingResult } from '../cross-office/cross-office-booking-result.js'
import { DEFAULT_PRIORITY } from '../cross-office/xoffice-command.js'

type Params<K extends keyof CalendarMethods> = CalendarMethods[K]['params']
type Result<K extends keyof CalendarMethods> = CalendarMethods[K]['result']
type FreeBusyParams<K extends keyof FreeBusyMethods> = FreeBusyMethods[K]['params']
type FreeBusyResult<K extends keyof FreeBusyMethods> = FreeBusyMethods[K]['result']

export interface CalendarClientOptions {
  readonly callTimeoutMs?: number
  readonly random?: () => number
}

export interface SubscriptionOptions {
  /** Deliver notifications after this seq (the last one the caller acknowledged); default 0. */
  readonly after?: number
  /** How long one poll waits on the server for something new. */
  readonly waitMs?: number
  readonly signal?: AbortSignal
}

const DEFAULT_WAIT_MS = 15_000
const RETRY_PAUSE_MS = 250

export class CalendarClient {
  private readonly clients = new Map<string, ClusterClient<OfficeMethods>>()
  private readonly homes = new Map<string, string>()
  /** Client URLs of offices added after this client's config file was written (from the directory). */
  private readonly addedOffices = new Map<string, string[]>()

  constructor(
    readonly config: ClusterConfig,
    private readonly options: CalendarClientOptions = {},
  ) {}

  /**
   * The office holding `user`, from the replicated directory: any one office answers for everyone.
   * A person that office does not know yet (added elsewhere a moment ago, not published there yet)
   * is looked up in every office's directory, each authoritative for its own people, before the
   * answer is NOT_FOUND naming the user.
   */
  async officeOf(user: string, field = 'user'): Promise<string> {
    const known = this.homes.get(user)
    if (known !== undefined) return known
    const offices = this.config.offices.map((o) => o.id)
    let failure: unknown = null
    let asked: string | null = null
    for (const office of offices) {
      try {
        const found = await this.lookup(office, user)
        if (found !== null) return found
        asked = office
        break
      } catch (error) {
        failure = error
      }
    }
    const answers = await Promise.all(
      offices
        .filter((office) => office !== asked)
        .map(async (office) => {
          try {
            return { office: await this.lookup(office, user), error: null }
          } catch (error) {
            return { office: null, error }
          }
        }),
    )
    const found = answers.find((a) => a.office !== null)?.office
    if (found !== undefined && found !== null) return found
    const unanswered = answers.find((a) => a.error !== null)?.error ?? (asked === null ? failure : null)
    if (unanswered !== null && unanswered !== undefined) throw unanswered
    throw RpcError.of('NOT_FOUND', `${field}: no office has a user "${user}"`)
  }

  /**
   * Runs a call at the person's office; when that office answers that the directory now places
   * them elsewhere (they moved), the call is made once more there.
   */
  private async atHome<T>(user: string, field: string, run: (office: ClusterClient<OfficeMethods>) => Promise<T>): Promise<T> {
    try {
      return await run(this.office(await this.officeOf(user, field)))
    } catch (error) {
      const moved = error instanceof RpcError && error.code === 'NOT_FOUND' ? (error.details as { office?: unknown } | null)?.office : undefined
      if (typeof moved !== 'string' || moved === this.homes.get(user)) throw error
      if (this.knowsOffice(moved)) this.homes.set(user, moved)
      else this.homes.delete(user)
      return run(this.office(await this.officeOf(user, field)))
    }
  }

  /** Forgets where `user` lives (after a move), so the next call asks the directory again. */
  forgetHome(user: string): void {
    this.homes.delete(user)
  }

  /** One office's directory answer for `user` (remembered), learning the addresses of offices added since the config was written. */
  private async lookup(office: string, user: string): Promise<string | null> {
    const answer = await this.office(office).call('directory.lookup', { users: [user] })
    const home = answer.users[0]?.office ?? null
    if (home === null) return null
    if (!this.knowsOffice(home)) {
      const { offices } = await this.office(office).call('directory.offices', {})
      const tls = this.config.security.tls !== null
      for (const added of offices) if (!this.knowsOffice(added.id)) this.addedOffices.set(added.id, added.replicas.map((r) => clientUrl(r, tls)))
    }
    this.homes.set(user, home)
    return home
  }

  private knowsOffice(officeId: string): boolean {
    return this.addedOffices.has(officeId) || this.config.offices.some((o) => o.id === officeId)
  }

  /** A client for one office's Raft group (for methods this class does not wrap). */
  office(officeId: string): ClusterClient<OfficeMethods> {
    let client = this.clients.get(officeId)
    if (client === undefined) {
      client = new ClusterClient<OfficeMethods>({
        endpoints: this.addedOffices.get(officeId) ?? officeClientUrls(this.config, officeId),
        callTimeoutMs: this.options.callTimeoutMs ?? 10_000,
        ...(this.options.random === undefined ? {} : { random: this.options.random }),
      })
      this.clients.set(officeId, client)
    }
    return client
  }

  async addUser(params: Params<'user.add'>, options?: CallOptions): Promise<Result<'user.add'>> {
    const user = await this.office(params.office).call('user.add', params, options)
    this.homes.set(user.id, user.office)
    return user
  }

  async updateUser(params: Params<'user.update'>, options?: CallOptions): Promise<Result<'user.update'>> {
    return this.atHome(params.id, 'id', (office) => office.call('user.update', params, options))
  }

  async getUser(id: string): Promise<Result<'user.get'>> {
    return this.atHome(id, 'id', (office) => office.call('user.get', { id }))
  }

  async listUsers(officeId?: string): Promise<Result<'user.list'>['users']> {
    const offices = officeId === undefined ? this.config.offices.map((o) => o.id) : [officeId]
    const lists = await Promise.all(offices.map((id) => this.office(id).call('user.list', {})))
    return lists.flatMap((l) => l.users)
  }

  async addEvent(params: Params<'event.add'>, options?: CallOptions): Promise<Result<'event.add'>> {
    return this.atHome(params.user, 'user', (office) => office.call('event.add', params, options))
  }

  /** Adds an imported event, or updates or keeps the one an earlier import of its UID stored. */
  async importEvent(params: Params<'event.import'>, options?: CallOptions): Promise<Result<'event.import'>> {
    return this.atHome(params.user, 'user', (office) => office.call('event.import', params, options))
  }

  async updateEvent(params: Params<'event.update'>, options?: CallOptions): Promise<Result<'event.update'>> {
    return this.atHome(params.user, 'user', (office) => office.call('event.update', params, options))
  }

  async deleteEvent(params: Params<'event.delete'>, options?: CallOptions): Promise<Result<'event.delete'>> {
    return this.atHome(params.user, 'user', (office) => office.call('event.delete', params, options))
  }

  async listEvents(user: string): Promise<Result<'event.list'>> {
    return this.atHome(user, 'user', (office) => office.call('event.list', { user }))
  }

  async agenda(params: Params<'calendar.agenda'>): Promise<Result<'calendar.agenda'>> {
    return this.atHome(params.user, 'user', (office) => office.call('calendar.agenda', params))
  }

  /**
   * Free/busy of people in any offices, answers in the order asked. The office of the first person
   * answers: it reads its own people and asks every other office involved in parallel (or, within
   * `maxStalenessMs`, its cache of their answers).
   */
  async availability(params: FreeBusyParams<'calendar.availability'>): Promise<FreeBusyResult<'calendar.availability'>> {
    const home = await this.officeOf(params.users[0] ?? '', 'users[0]')
    return this.office(home).call('calendar.availability', params)
  }

  /** Suggestions computed by the organizer's office, over attendees of any offices. */
  async suggest(params: Params<'calendar.suggest'>): Promise<Result<'calendar.suggest'>> {
    return this.atHome(params.organizer, 'organizer', (office) => office.call('calendar.suggest', params))
  }

  /** The conflicts of a proposed meeting for every attendee, wherever they live, reported by the organizer's office. */
  async conflicts(params: Params<'calendar.conflicts'>): Promise<Result<'calendar.conflicts'>> {
    return this.atHome(params.organizer, 'organizer', (office) => office.call('calendar.conflicts', params))
  }

  /**
   * Attendees all in the organizer's office: one Raft command; otherwise two-phase commit across
   * offices. A priority above the default also takes the two-phase path, even in one office: only
   * there may a booking displace another transaction's tentative hold.
   */
  async book(params: Params<'meeting.book'>, options?: CallOptions): Promise<Result<'meeting.book'>> {
    const { home, away } = await this.placeAttendees(params.organizer, params.attendees, params.optional ?? [])
    if (away.length === 0 && (params.priority ?? DEFAULT_PRIORITY) <= DEFAULT_PRIORITY) return this.office(home).call('meeting.book', params, options)
    return asBookingResult(await this.office(home).call('xoffice.book', params, options), params)
  }

  /**
   * Moves a meeting (new start, length or title) through its office, which changes a cross-office
   * meeting in every office or in none, and a one-office meeting with one command.
   */
  async updateMeeting(params: Params<'meeting.update'>, options?: CallOptions): Promise<Result<'meeting.update'>> {
    return this.office(meetingOffice(params.id)).call('xoffice.move', params, options)
  }

  /** Cancels a meeting or one occurrence through its office: in every office of a cross-office meeting, or in none. */
  async cancel(params: Params<'meeting.cancel'>, options?: CallOptions): Promise<Result<'meeting.cancel'>> {
    return this.office(meetingOffice(params.id)).call('xoffice.cancel', params, options)
  }

  /**
   * An attendee's answer, through their own office (which holds a copy of every meeting they are
   * invited to), recorded in every office holding the meeting before it is answered.
   */
  async respond(params: Params<'meeting.respond'>, options?: CallOptions): Promise<Result<'meeting.respond'>> {
    return this.atHome(params.user, 'user', (office) => office.call('xoffice.respond', params, options))
  }

  async meeting(id: string): Promise<Result<'meeting.get'>> {
    return this.office(meetingOffice(id)).call('meeting.get', { id })
  }

  /**
   * The person's notifications in order, at least once: each poll asks for what follows the last
   * notification the consumer took, so a reconnect or a new leader resumes there. Ends when the
   * signal aborts.
   */
  async *subscribe(user: string, options: SubscriptionOptions = {}): AsyncGenerator<NotificationRecord> {
    const waitMs = options.waitMs ?? DEFAULT_WAIT_MS
    const office = await this.officeOf(user)
    const poller = new ClusterClient<OfficeMethods>({
      endpoints: this.addedOffices.get(office) ?? officeClientUrls(this.config, office),
      attemptTimeoutMs: waitMs + 5000,
      callTimeoutMs: waitMs + 15_000,
    })
    let cursor = options.after ?? 0
    const aborted = (): boolean => options.signal?.aborted === true
    try {
      while (!aborted()) {
        let page: Result<'notifications.poll'>
        try {
          page = await poller.call('notifications.poll', { user, after: cursor, waitMs })
        } catch (error) {
          if (!(error instanceof RpcError) || !isRetryable(error.code) || aborted()) throw error
          await new Promise((resolve) => setTimeout(resolve, RETRY_PAUSE_MS))
          continue
        }
        for (const notification of page.notifications) {
          yield notification
          cursor = notification.seq
        }
      }
    } finally {
      poller.close()
    }
  }

  close(): void {
    for (const client of this.clients.values()) client.close()
    this.clients.clear()
  }

  /** The organizer's office, and the attendees who live in other offices. */
  private async placeAttendees(organizer: string, required: readonly string[], optional: readonly string[]): Promise<{ home: string; away: string[] }> {
    const home = await this.officeOf(organizer, 'organizer')
    const others = [...required, ...optional]
    const offices = await Promise.all(others.map((u, i) => this.officeOf(u, i < required.length ? `attendees[${i}]` : `optional[${i - required.length}]`)))
    return { home, away: others.filter((_, i) => offices[i] !== home) }
  }
}

/** Meeting ids name the office that booked them: "mtg-<office>-<index>". */
export function meetingOffice(id: string): string {
  const office = /^mtg-([a-z][a-z0-9]*)-\d+$/.exec(id)?.[1]
  if (office === undefined) throw RpcError.of('BAD_REQUEST', `meeting id "${id}" is not of the form mtg-<office>-<number>`)
  return office
}
