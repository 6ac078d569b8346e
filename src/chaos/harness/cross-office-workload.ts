/**
 * The cross-office workload. In every office a few people (all in UTC, so one slot grid fits
 * every office) and concurrent organizers who, on a small grid of slots in one week:
 * - book meetings through two-phase commit (`xoffice.book`) with people of other offices, some of
 *   them recurring, so holds of different transactions race for the same people and times;
 * - book one-office meetings among their colleagues (`meeting.book`), which compete with the holds;
 * - move and cancel the meetings they booked: cross-office ones through two-phase commit
 *   (`xoffice.move`, `xoffice.cancel`), one-office ones with `meeting.update` and `meeting.cancel`;
 *   a replica without the cross-office methods (UNKNOWN_METHOD) turns those off for the rest of
 *   the run, and the workload goes on with the rest;
 * - ask for availability (`calendar.freeBusy`).
 * Every operation is recorded with its call and return times and a definite or indeterminate
 * outcome; every meeting's id is the one the cluster gave it, so each outcome is traceable.
 * A watcher per person records the notifications delivered.
 *
 * After quiescence the workload waits out the liveness window (every office's coordinator
 * transactions finished and no hold in doubt, or the window's end), then reads every person's
 * agenda, each transaction's coordinator record and every participant office's record, and the
 * notifications left; `check` judges atomicity, fencing, double bookings, lost bookings and
 * missed notifications from that evidence.
 */
import type { ClusterClient } from '../../client/cluster-client.js'
import type { OfficeMethods } from '../../office/office-api.js'
import { RpcError } from '../../rpc/rpc-error.js'
import type { Random } from '../seeded-random.js'
import { blockingMeetings, checkBookings, type AcknowledgedBooking, type AgendaMeeting } from './booking-checks.js'
import { failedCallOutcome, type CallOutcome } from './call-outcome.js'
import type { CheckFindings } from './chaos-checks.js'
import type { AcknowledgedWrite, ChaosWorkload, OpCounts } from './chaos-workload.js'
import { checkCrossOffice, type BookingAnswer, type CoordinatorView, type OfficeLeftovers, type ParticipantView } from './cross-office-checks.js'
import { checkNotifications, type OwedNotification } from './notification-checks.js'
import { NotificationWatchers } from './notification-watchers.js'
import { addWorkloadPeople } from './workload-people.js'

export type OfficeCaller = Pick<ClusterClient<OfficeMethods>, 'call'>

export interface CrossOfficeWorkloadOptions {
  readonly offices: readonly string[]
  readonly clientFor: (office: string) => OfficeCaller
  readonly organizersPerOffice: number
  readonly peoplePerOffice: number
  readonly random: Random
  readonly now: () => number
  /** The nodes' hold lease: the liveness window after quiescence is a few of them. */
  readonly holdLeaseMs: number
}

export type CrossOfficeOpKind = 'xbook' | 'book' | 'xmove' | 'move' | 'xcancel' | 'cancel' | 'availability'

/** One operation as the client saw it. */
export interface CrossOfficeOp {
  readonly kind: CrossOfficeOpKind
  readonly office: string
  readonly calledAtMs: number
  readonly returnedAtMs: number
  readonly outcome: CallOutcome
  /** The meeting or transaction it concerned, when known. */
  readonly id: string | null
}

/** A week no run reaches, Monday to Friday; slots in UTC. */
const DAYS = ['2030-02-04', '2030-02-05', '2030-02-06', '2030-02-07', '2030-02-08']
const SLOTS = ['08:00', '08:30', '09:00', '09:30', '10:00', '10:30', '11:00', '11:30', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30']
const WINDOW = { from: '2030-02-03T00:00:00Z', to: '2030-02-11T00:00:00Z' }
const RECURRING = ['RRULE:FREQ=DAILY;COUNT=2']
const LEFTOVER_POLL_MS = 500
/** Reads after quiescence answer fast; these bound them however the cluster behaves. */
const SETTLE_READ = { timeoutMs: 5000 } as const
const SETTLE_READS_BUDGET_MS = 120_000
const TX_ID = /^mtg-([a-z][a-z0-9]{0,15})-\d+$/

/** A meeting the workload booked and may move or cancel; the organizer comes first in `participants`. */
interface BookedMeeting {
  readonly id: string
  readonly office: string
  readonly crossOffice: boolean
  readonly participants: readonly string[]
}

export class CrossOfficeWorkload implements ChaosWorkload {
  readonly name = 'xoffice'
  readonly exercises = ['lostAcknowledgedWrites', 'doubleBookings', 'atomicityViolations', 'staleTokenWritesAccepted', 'missedNotifications'] as const
  private readonly ops: CrossOfficeOp[] = []
  private readonly answers: BookingAnswer[] = []
  private readonly booked = new Map<string, BookedMeeting>()
  /** Booked meetings nobody has asked to cancel yet. */
  private readonly cancellable: string[] = []
  private readonly cancelled = new Set<string>()
  private readonly cancelAcknowledged = new Set<string>()
  /** Cleared when the replicas do not know xoffice.move/xoffice.cancel. */
  private crossOfficeChanges = true
  private readonly owed: OwedNotification[] = []
  private readonly watchers: NotificationWatchers
  private readonly agendas = new Map<string, AgendaMeeting[]>()
  private readonly transactions = new Map<string, CoordinatorView | null>()
  private readonly participants = new Map<string, Map<string, ParticipantView | null>>()
  private leftovers: OfficeLeftovers[] = []
  private readonly unread: string[] = []
  private running = false
  private organizers: Array<Promise<void>> = []

  constructor(private readonly options: CrossOfficeWorkloadOptions) {
    this.watchers = new NotificationWatchers(
      options.offices.flatMap((office) => this.people(office).map((person) => ({ person, office }))),
      options.clientFor,
    )
  }

  /** Adds the workload's people; call once the offices have leaders, before `start`. */
  async prepare(): Promise<void> {
    for (const office of this.options.offices) await addWorkloadPeople(this.options.clientFor(office), this.name, office, 'UTC', this.people(office))
  }

  start(): void {
    this.running = true
    this.watchers.start()
    this.organizers = this.options.offices.flatMap((office) => Array.from({ length: this.options.organizersPerOffice }, () => this.runOrganizer(office)))
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.organizers)
    await this.watchers.stop()
  }

  async settle(): Promise<void> {
    this.leftovers = await this.waitForLeftovers()
    const deadline = Date.now() + SETTLE_READS_BUDGET_MS
    await this.watchers.drain(SETTLE_READ.timeoutMs)
    await this.readAgendas()
    const ids = new Set<string>(this.answers.map((answer) => (answer.kind === 'booked' ? answer.id : answer.txId)))
    for (const meetings of this.agendas.values()) for (const meeting of meetings) if (this.booked.get(meeting.meetingId)?.crossOffice !== false) ids.add(meeting.meetingId)
    for (const id of ids) {
      if (Date.now() > deadline) {
        this.unread.push(`transaction ${id} and later ones (the ${SETTLE_READS_BUDGET_MS / 1000}s budget for reads after quiescence ran out)`)
        break
      }
      await this.readTransaction(id)
    }
  }

  counts(): OpCounts {
    return countOutcomes(this.ops)
  }

  countsByKind(): Readonly<Record<string, OpCounts>> {
    const kinds = [...new Set(this.ops.map((op) => op.kind))].sort()
    return Object.fromEntries(kinds.map((kind) => [kind, countOutcomes(this.ops.filter((op) => op.kind === kind))]))
  }

  completions(): ReadonlyArray<AcknowledgedWrite & { readonly write: boolean }> {
    return this.ops.flatMap((op) => (op.outcome === 'ok' ? [{ office: op.office, returnedAtMs: op.returnedAtMs, write: op.kind !== 'availability' }] : []))
  }

  /** Every operation as recorded, for diagnosis and tests. */
  history(): readonly CrossOfficeOp[] {
    return this.ops
  }

  async check(): Promise<CheckFindings> {
    const atomicity = checkCrossOffice({
      transactions: this.transactions,
      participants: this.participants,
      agendas: this.agendas,
      answers: this.answers,
      cancelled: this.cancelled,
      cancelAcknowledged: this.cancelAcknowledged,
      leftovers: this.leftovers,
    })
    const kept: AcknowledgedBooking[] = [...this.booked.values()].filter((meeting) => !this.cancelled.has(meeting.id))
    const bookings = checkBookings(this.agendas, kept)
    const notifications = checkNotifications(this.owed, this.watchers.receivedByPerson())
    const unread = [...this.unread, ...this.watchers.unreadPeople().map((person) => `notifications of ${person}`)]
    return {
      ...atomicity,
      doubleBookings: bookings.doubleBookings ?? 0,
      lostAcknowledgedWrites: bookings.lostAcknowledgedWrites ?? 0,
      missedNotifications: notifications.missedNotifications ?? 0,
      ...(unread.length === 0 ? {} : { quiesced: false }),
      problems: [
        ...(atomicity.problems ?? []),
        ...(bookings.problems ?? []),
        ...(notifications.problems ?? []),
        ...(unread.length === 0 ? [] : [`xoffice workload could not read after quiescence: ${unread.join(', ')}`]),
      ],
    }
  }

  private people(office: string): string[] {
    return Array.from({ length: this.options.peoplePerOffice }, (_, index) => `${office}-x${index}`)
  }

  private async runOrganizer(office: string): Promise<void> {
    const { random } = this.options
    while (this.running) {
      const roll = random.next()
      if (roll < 0.5) await this.bookAcrossOffices(office)
      else if (roll < 0.7) await this.bookInOffice(office)
      else if (roll < 0.8) await this.move(office)
      else if (roll < 0.9) await this.cancel(office)
      else await this.askAvailability(office)
    }
  }

  /** Runs one call and records it; `onResult` turns a result into the op's id. */
  private async record<T>(kind: CrossOfficeOpKind, office: string, call: () => Promise<T>, onResult: (result: T) => string | null, id: string | null = null): Promise<void> {
    const calledAtMs = this.options.now()
    let outcome: CallOutcome = 'ok'
    let resultId = id
    try {
      resultId = onResult(await call()) ?? id
    } catch (error) {
      outcome = failedCallOutcome(error)
    }
    this.ops.push({ kind, office, calledAtMs, returnedAtMs: this.options.now(), outcome, id: resultId })
  }

  private slot(): { start: string; durationMinutes: number } {
    const { random } = this.options
    return { start: `${random.pick(DAYS)}T${random.pick(SLOTS)}:00Z`, durationMinutes: random.pick([30, 60]) }
  }

  private async bookAcrossOffices(office: string): Promise<void> {
    const { random } = this.options
    const organizer = random.pick(this.people(office))
    const elsewhere = random.shuffle(this.options.offices.filter((other) => other !== office).flatMap((other) => this.people(other)))
    const colleagues = random.chance(0.3) ? [random.pick(this.people(office).filter((person) => person !== organizer))] : []
    const attendees = [...elsewhere.slice(0, random.int(1, 2)), ...colleagues]
    const rules = random.chance(0.3) ? { rules: RECURRING } : {}
    await this.record(
      'xbook',
      office,
      () => this.options.clientFor(office).call('xoffice.book', { organizer, attendees, ...this.slot(), tz: 'UTC', title: 'chaos xoffice', ...rules }),
      (result) => {
        if (result.status === 'booked') {
          this.answers.push({ kind: 'booked', id: result.id })
          this.remember({ id: result.id, office, crossOffice: true, participants: [organizer, ...attendees] })
          return result.id
        }
        this.answers.push({ kind: 'refused', txId: result.transaction })
        return result.transaction
      },
    )
  }

  private async bookInOffice(office: string): Promise<void> {
    const { random } = this.options
    const [organizer, ...others] = random.shuffle(this.people(office)) as [string, ...string[]]
    const attendees = others.slice(0, random.int(1, 2))
    await this.record(
      'book',
      office,
      () => this.options.clientFor(office).call('meeting.book', { organizer, attendees, ...this.slot(), tz: 'UTC', title: 'chaos one-office' }),
      (result) => {
        if (result.status !== 'booked') return null
        this.remember({ id: result.id, office, crossOffice: false, participants: [organizer, ...attendees] })
        return result.id
      },
    )
  }

  /** An acknowledged booking: its invitees are owed an invitation, each by their own office. */
  private remember(meeting: BookedMeeting): void {
    this.booked.set(meeting.id, meeting)
    this.cancellable.push(meeting.id)
    this.owe('invited', meeting)
  }

  private owe(kind: OwedNotification['kind'], meeting: BookedMeeting): void {
    for (const user of meeting.participants.slice(1)) this.owed.push({ user, kind, meetingId: meeting.id })
  }

  private async move(office: string): Promise<void> {
    const meeting = this.pickChangeable(office)
    if (meeting === null) return
    const params = { id: meeting.id, ...this.slot(), tz: 'UTC' }
    const client = this.options.clientFor(office)
    await this.record(
      meeting.crossOffice ? 'xmove' : 'move',
      office,
      () => this.unlessUnknown(meeting.crossOffice ? client.call('xoffice.move', params) : client.call('meeting.update', params)),
      (result) => {
        if (result.status === 'booked') this.owe('updated', meeting)
        return meeting.id
      },
      meeting.id,
    )
  }

  private async cancel(office: string): Promise<void> {
    const meeting = this.pickChangeable(office)
    if (meeting === null) return
    this.cancellable.splice(this.cancellable.indexOf(meeting.id), 1)
    // Asked is enough to excuse it from the agendas: an unanswered cancel may have gone through.
    this.cancelled.add(meeting.id)
    const client = this.options.clientFor(office)
    await this.record(
      meeting.crossOffice ? 'xcancel' : 'cancel',
      office,
      () => this.unlessUnknown(meeting.crossOffice ? client.call('xoffice.cancel', { id: meeting.id }) : client.call('meeting.cancel', { id: meeting.id })),
      () => {
        this.cancelAcknowledged.add(meeting.id)
        this.owe('cancelled', meeting)
        return meeting.id
      },
      meeting.id,
    )
  }

  /** A replica that does not know a cross-office change method turns such changes off for the run. */
  private async unlessUnknown<T>(call: Promise<T>): Promise<T> {
    try {
      return await call
    } catch (error) {
      if (error instanceof RpcError && error.code === 'UNKNOWN_METHOD') this.crossOfficeChanges = false
      throw error
    }
  }

  private async askAvailability(office: string): Promise<void> {
    const users = this.options.random.shuffle(this.people(office)).slice(0, 2)
    await this.record('availability', office, () => this.options.clientFor(office).call('calendar.freeBusy', { users, ...WINDOW }), () => null)
  }

  /** A meeting this office booked and nobody asked to cancel yet, or null. */
  private pickChangeable(office: string): BookedMeeting | null {
    const candidates = this.cancellable.flatMap((id) => {
      const meeting = this.booked.get(id)
      return meeting?.office === office && (this.crossOfficeChanges || !meeting.crossOffice) ? [meeting] : []
    })
    return candidates.length === 0 ? null : this.options.random.pick(candidates)
  }

  /** Polls every office until no coordinator transaction is open and no hold is in doubt, or the liveness window ends. */
  private async waitForLeftovers(): Promise<OfficeLeftovers[]> {
    const deadline = Date.now() + 3 * this.options.holdLeaseMs + 10_000
    for (;;) {
      const leftovers = await Promise.all(
        this.options.offices.map(async (office): Promise<OfficeLeftovers> => {
          try {
            const stats = await this.options.clientFor(office).call('xoffice.stats', {}, SETTLE_READ)
            const fenced = Object.values(stats.fenced).reduce((total, count) => total + count, 0)
            return { office, openTransactions: stats.openTransactions, preparedHolds: stats.preparedHolds, fenced }
          } catch {
            // Unknown counts as open: the window waits, and at its end the read is reported.
            return { office, openTransactions: 1, preparedHolds: 0, fenced: 0 }
          }
        }),
      )
      const settled = leftovers.every((office) => office.openTransactions === 0 && office.preparedHolds === 0)
      if (settled || Date.now() >= deadline) return leftovers
      await new Promise((resolve) => setTimeout(resolve, LEFTOVER_POLL_MS))
    }
  }

  private async readAgendas(): Promise<void> {
    for (const office of this.options.offices) {
      for (const person of this.people(office)) {
        try {
          this.agendas.set(person, blockingMeetings(await this.options.clientFor(office).call('calendar.agenda', { user: person, ...WINDOW }, SETTLE_READ)))
        } catch {
          this.unread.push(`agenda of ${person}`)
        }
      }
    }
  }

  /** Reads a transaction's coordinator record and, for a cross-office one, every participant's record. */
  private async readTransaction(id: string): Promise<void> {
    const coordinator = TX_ID.exec(id)?.[1]
    if (coordinator === undefined || !this.options.offices.includes(coordinator)) return
    try {
      const tx = await this.notFoundAsNull(() => this.options.clientFor(coordinator).call('xoffice.transaction', { txId: id }, SETTLE_READ))
      this.transactions.set(id, tx)
      if (tx === null) return
      const records = new Map<string, ParticipantView | null>()
      for (const office of tx.participants) records.set(office.office, await this.options.clientFor(office.office).call('xoffice.participant', { txId: id }, SETTLE_READ))
      this.participants.set(id, records)
    } catch (error) {
      this.transactions.delete(id)
      this.unread.push(`transaction ${id} (${(error as Error).message})`)
    }
  }

  /** A one-office meeting's id names no coordinator transaction: NOT_FOUND is an answer, not a failure. */
  private async notFoundAsNull<T>(read: () => Promise<T>): Promise<T | null> {
    try {
      return await read()
    } catch (error) {
      if (error instanceof RpcError && error.code === 'NOT_FOUND') return null
      throw error
    }
  }
}

function countOutcomes(ops: readonly CrossOfficeOp[]): OpCounts {
  const count = (outcome: CallOutcome) => ops.filter((op) => op.outcome === outcome).length
  return { attempted: ops.length, acknowledged: count('ok'), failed: count('fail'), indeterminate: count('info') }
}
