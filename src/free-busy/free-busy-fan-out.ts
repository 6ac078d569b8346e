/**
 * Free/busy of people in any offices, answered by the office the client called: its own people
 * from its own state, every other office's people with one call per office, all offices in
 * parallel, so a query costs one round trip to the farthest office involved. Where each person
 * lives is remembered from earlier answers; a person not placed yet is asked of every other office
 * in the same round (each answers for the people it holds and leaves out the rest), so locating
 * costs no extra round trip. With a staleness bound, answers the cache holds (and whose office's
 * change stream confirmed them recently enough) are used without any message; without one, every
 * office is read linearizably. Every remote answer refreshes the cache either way. The calls to
 * other offices leave before this office's own read barrier completes: which people are here is
 * taken from the applied state as it is, and the barrier only has to finish before the local read.
 */
import type { FreeBusyUser } from '../calendar-service/calendar-api.js'
import type { Interval } from '../calendar/intervals/interval-set.js'
import { formatInstantUtc } from '../calendar/time/time-zone.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { FreeBusySource } from './free-busy-api.js'
import type { FreeBusyCache } from './free-busy-cache.js'
import type { OfficeChangeFeeds } from './office-change-feed.js'
import type { OfficeCaller } from './office-caller.js'

export interface FreeBusyFanOutOptions {
  readonly officeId: string
  readonly offices: () => readonly string[]
  readonly office: (officeId: string) => OfficeCaller
  /** This office's answers for the ones of `users` it holds, from the applied state as it is. */
  readonly readLocal: (users: readonly string[], window: Interval) => Promise<readonly FreeBusyUser[]>
  /** Which of `users` this office holds, from the applied state as it is. */
  readonly holdsLocally: (users: readonly string[]) => Promise<ReadonlySet<string>>
  readonly cache: FreeBusyCache
  readonly feeds: OfficeChangeFeeds
  readonly now: () => number
}

/** A person asked about, and the request field that named them (for errors). */
export interface AskedUser {
  readonly id: string
  readonly field: string
}

export interface FanOutAnswer {
  readonly users: ReadonlyMap<string, FreeBusyUser>
  readonly sources: readonly FreeBusySource[]
  /** Calls to other offices this query made. */
  readonly rpcs: number
}

const MAX_REMEMBERED_PLACES = 200_000

export class FreeBusyFanOut {
  private readonly places = new Map<string, string>()
  private fanOuts = 0
  private rpcs = 0

  constructor(private readonly options: FreeBusyFanOutOptions) {}

  get counters(): { readonly fanOuts: number; readonly rpcs: number } {
    return { fanOuts: this.fanOuts, rpcs: this.rpcs }
  }

  /**
   * `localReady` settles when this office's state may be read for the answer (the caller's read
   * barrier, or at once when the caller already waited for one).
   */
  async freeBusy(asked: readonly AskedUser[], window: Interval, maxStalenessMs: number | null, localReady: Promise<void> = Promise.resolve()): Promise<FanOutAnswer> {
    const { officeId, cache } = this.options
    const ids = [...new Set(asked.map((a) => a.id))]
    const heldHere = await this.options.holdsLocally(ids)
    const found = new Map<string, FreeBusyUser>()
    const sources: FreeBusySource[] = []
    const windowKey = `${window.start}/${window.end}`
    const ask = new Map<string, string[]>()
    const unplaced: string[] = []
    const cached = new Map<string, number>()
    for (const id of ids.filter((i) => !heldHere.has(i))) {
      const office = this.places.get(id)
      if (office === undefined || office === officeId) {
        unplaced.push(id)
        continue
      }
      const hit = maxStalenessMs === null ? null : cache.lookup(office, id, windowKey, maxStalenessMs)
      if (hit !== null) {
        found.set(id, hit)
        cached.set(office, (cached.get(office) ?? 0) + 1)
      } else ask.set(office, [...(ask.get(office) ?? []), id])
    }
    for (const [office, users] of cached) sources.push({ office, users, from: 'cache' })
    if (unplaced.length > 0) {
      for (const office of this.options.offices()) if (office !== officeId) ask.set(office, [...(ask.get(office) ?? []), ...unplaced])
    }
    const away = Promise.all([...ask].map(([office, users]) => this.readAway(office, users, windowKey, window)))
    // Not awaited before the local read: a failure surfaces below, after the local part settled.
    away.catch(() => {})
    await localReady
    const here = await this.options.readLocal(ids, window)
    for (const user of here) found.set(user.id, user)
    if (here.length > 0) sources.unshift({ office: officeId, users: here.length, from: 'local' })
    const answers = await away
    // Held here in the state before the barrier and gone after it: moved away meanwhile, so their
    // new office has them; without this a linearizable query would call them unknown.
    const movedAway = [...heldHere].filter((id) => !found.has(id))
    if (movedAway.length > 0) {
      const others = this.options.offices().filter((office) => office !== officeId)
      answers.push(...(await Promise.all(others.map((office) => this.readAway(office, movedAway, windowKey, window)))))
    }
    for (const answer of answers) {
      for (const user of answer.users) {
        found.set(user.id, user)
        this.remember(user.id, answer.office)
      }
      if (answer.users.length > 0) sources.push({ office: answer.office, users: answer.users.length, from: 'remote' })
    }
    const missing = asked.find((a) => !found.has(a.id))
    if (missing !== undefined) {
      // A placed person missing from their office's answer has moved: place them afresh next time.
      this.places.delete(missing.id)
      throw RpcError.of('NOT_FOUND', `${missing.field}: no office has a user "${missing.id}"`)
    }
    if (sources.some((s) => s.office !== officeId)) this.fanOuts++
    this.rpcs += answers.length
    return { users: found, sources, rpcs: answers.length }
  }

  /** One call: the ones of `users` this office holds, stored in the cache and followed. */
  private async readAway(office: string, users: readonly string[], windowKey: string, window: Interval): Promise<{ office: string; users: readonly FreeBusyUser[] }> {
    const { cache, feeds, now } = this.options
    const askedAtMs = now()
    const answer = await this.options.office(office).call('calendar.freeBusy', { users: [...users], from: formatInstantUtc(window.start), to: formatInstantUtc(window.end), skipUnknown: true })
    for (const user of answer.users) cache.store(office, windowKey, { answer: user, readAtIndex: answer.appliedIndex, askedAtMs })
    feeds.follow(office, answer.appliedIndex)
    return { office, users: answer.users }
  }

  private remember(user: string, office: string): void {
    if (this.places.size >= MAX_REMEMBERED_PLACES) this.places.clear()
    this.places.set(user, office)
  }
}
