/**
 * Free/busy of people in any offices, answered by the office the client called: its own people
 * from its own state, every other office's people with one call per office, all offices in
 * parallel. With a staleness bound, answers the cache holds (and whose office's change stream
 * confirmed them recently enough) are used without any message; without one, every office is
 * read linearizably. Every remote answer refreshes the cache either way.
 */
import type { FreeBusyUser } from '../calendar-service/calendar-api.js'
import type { Interval } from '../calendar/intervals/interval-set.js'
import { formatInstantUtc } from '../calendar/time/time-zone.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { FreeBusySource } from './free-busy-api.js'
import type { FreeBusyCache } from './free-busy-cache.js'
import type { OfficeChangeFeeds } from './office-change-feed.js'
import type { OfficeCaller } from './office-caller.js'
import type { UserLocator } from './user-locator.js'

export interface FreeBusyFanOutOptions {
  readonly officeId: string
  readonly office: (officeId: string) => OfficeCaller
  /** This office's people, read linearizably from its own state. */
  readonly readLocal: (users: readonly string[], window: Interval) => Promise<readonly FreeBusyUser[]>
  readonly locator: UserLocator
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
  readonly rpcs: number
}

export class FreeBusyFanOut {
  private fanOuts = 0
  private rpcs = 0

  constructor(private readonly options: FreeBusyFanOutOptions) {}

  get counters(): { readonly fanOuts: number; readonly rpcs: number } {
    return { fanOuts: this.fanOuts, rpcs: this.rpcs }
  }

  async freeBusy(asked: readonly AskedUser[], window: Interval, maxStalenessMs: number | null): Promise<FanOutAnswer> {
    const { officeId, locator } = this.options
    const placement = await locator.place(asked.map((a) => a.id))
    const missing = asked.find((a) => placement.missing.includes(a.id))
    if (missing !== undefined) throw RpcError.of('NOT_FOUND', `${missing.field}: no office has a user "${missing.id}"`)
    const byOffice = new Map<string, string[]>()
    for (const { id } of asked) {
      const office = placement.offices.get(id)!
      const list = byOffice.get(office) ?? []
      if (!list.includes(id)) list.push(id)
      byOffice.set(office, list)
    }
    const parts = await Promise.all(
      [...byOffice].map(([office, users]) => (office === officeId ? this.readHere(users, window) : this.readAway(office, users, window, maxStalenessMs))),
    )
    const rpcs = placement.rpcs + parts.reduce((n, p) => n + p.rpcs, 0)
    if (rpcs > 0 || byOffice.size > 1 || !byOffice.has(officeId)) this.fanOuts++
    this.rpcs += rpcs
    return {
      users: new Map(parts.flatMap((p) => p.users).map((u) => [u.id, u])),
      sources: parts.flatMap((p) => p.sources),
      rpcs,
    }
  }

  private async readHere(users: readonly string[], window: Interval): Promise<Part> {
    const answers = await this.options.readLocal(users, window)
    return { users: answers, sources: [{ office: this.options.officeId, users: users.length, from: 'local' }], rpcs: 0 }
  }

  private async readAway(office: string, users: readonly string[], window: Interval, maxStalenessMs: number | null): Promise<Part> {
    const { cache, feeds, now, locator } = this.options
    const windowKey = `${window.start}/${window.end}`
    const cached = new Map<string, FreeBusyUser>()
    if (maxStalenessMs !== null) {
      for (const user of users) {
        const hit = cache.lookup(office, user, windowKey, maxStalenessMs)
        if (hit !== null) cached.set(user, hit)
      }
    }
    const ask = users.filter((u) => !cached.has(u))
    const sources: FreeBusySource[] = cached.size === 0 ? [] : [{ office, users: cached.size, from: 'cache' }]
    if (ask.length === 0) return { users: [...cached.values()], sources, rpcs: 0 }
    const askedAtMs = now()
    let answer
    try {
      answer = await this.options.office(office).call('calendar.freeBusy', { users: ask, from: formatInstantUtc(window.start), to: formatInstantUtc(window.end) })
    } catch (error) {
      // The person may have moved since they were located: look them up afresh next time.
      if (error instanceof RpcError && error.code === 'NOT_FOUND') for (const user of ask) locator.forget(user)
      throw error
    }
    for (const user of answer.users) cache.store(office, windowKey, { answer: user, readAtIndex: answer.appliedIndex, askedAtMs })
    feeds.follow(office, answer.appliedIndex)
    sources.push({ office, users: ask.length, from: 'remote' })
    return { users: [...cached.values(), ...answer.users], sources, rpcs: 1 }
  }
}

interface Part {
  readonly users: readonly FreeBusyUser[]
  readonly sources: readonly FreeBusySource[]
  readonly rpcs: number
}
