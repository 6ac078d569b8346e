/**
 * Free/busy across offices on an office replica: the change journal other offices follow, the
 * cache of other offices' answers with the change streams that keep it current, the fan-out that
 * answers `calendar.availability` (and supplies `calendar.suggest` with other offices' people),
 * and the RPC methods for all three.
 */
import type { OfficeCalendarSettings } from '../calendar-service/calendar-apply-context.js'
import { freeBusyOf } from '../calendar-service/calendar-queries.js'
import { resolveWindow } from '../calendar-service/calendar-request-resolution.js'
import { readUser, type BulkKeyspaceReader } from '../calendar-service/calendar-store.js'
import { CalendarInputError } from '../calendar/calendar-input-error.js'
import type { ClusterClient } from '../client/cluster-client.js'
import type { ChangeJournal } from '../free-busy/change-journal.js'
import { FREE_BUSY_PARAM_SCHEMAS } from '../free-busy/free-busy-api.js'
import { FreeBusyCache, type FreeBusyCacheStats } from '../free-busy/free-busy-cache.js'
import { FreeBusyFanOut } from '../free-busy/free-busy-fan-out.js'
import { OfficeChangeFeeds } from '../free-busy/office-change-feed.js'
import type { OfficeMethods } from '../office/office-api.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { RequestContext, RpcServer } from '../rpc/rpc-server.js'

export interface FreeBusyServiceDeps {
  /** Every office of the cluster, this one included (offices may be added while running). */
  readonly offices: () => readonly string[]
  /** A new client for another office's Raft group. */
  readonly connect: (officeId: string) => ClusterClient<OfficeMethods>
  readonly store: BulkKeyspaceReader
  readonly office: OfficeCalendarSettings
  readonly journal: ChangeJournal
  /** Waits until this replica applied everything committed before the call. */
  readonly readBarrier: (ctx: RequestContext) => Promise<void>
  /** Waits only if this replica's applied state may be older than `maxStalenessMs` (then as readBarrier). */
  readonly boundedRead: (maxStalenessMs: number, ctx: RequestContext) => Promise<void>
  readonly isLeader: () => boolean
  readonly now: () => number
}

/** A change-stream poll waits this long on the remote replica (below a call attempt's 2 s timeout). */
const FEED_WAIT_MS = 500
const FEED_RETRY_MS = 250

export class FreeBusyService {
  readonly fanOut: FreeBusyFanOut
  private readonly cache: FreeBusyCache
  private readonly feeds: OfficeChangeFeeds
  private readonly clients = new Map<string, ClusterClient<OfficeMethods>>()

  constructor(private readonly deps: FreeBusyServiceDeps) {
    const { store, office, now } = deps
    const caller = (officeId: string): ClusterClient<OfficeMethods> => {
      let client = this.clients.get(officeId)
      if (client === undefined) this.clients.set(officeId, (client = deps.connect(officeId)))
      return client
    }
    this.cache = new FreeBusyCache(now)
    this.feeds = new OfficeChangeFeeds({ cache: this.cache, office: caller, now, waitMs: FEED_WAIT_MS, retryMs: FEED_RETRY_MS })
    this.fanOut = new FreeBusyFanOut({
      officeId: office.officeId,
      offices: deps.offices,
      office: caller,
      holdsLocally: async (users) => new Set((await Promise.all(users.map((id) => readUser(store, id)))).filter((r) => r !== null).map((r) => r.id)),
      readLocal: async (users, window) => {
        const nowMs = now()
        const records = (await Promise.all(users.map((id) => readUser(store, id)))).filter((r) => r !== null)
        return freeBusyOf(store, records, window, office, nowMs)
      },
      cache: this.cache,
      feeds: this.feeds,
      now,
    })
  }

  register(rpc: RpcServer): void {
    const s = FREE_BUSY_PARAM_SCHEMAS
    const { deps } = this
    rpc
      .method('calendar.availability', s['calendar.availability'], async (p, ctx) => {
        const window = withFieldErrors(ctx, () => resolveWindow(p.from, p.to, p.tz ?? 'UTC'))
        // This office's part honours the same bound as the cache: any replica answers from its
        // applied state when that is fresh enough; otherwise (and without a bound) after a barrier.
        const localReady = p.maxStalenessMs === undefined ? deps.readBarrier(ctx) : deps.boundedRead(p.maxStalenessMs, ctx)
        localReady.catch(() => {})
        const answer = await this.fanOut.freeBusy(
          p.users.map((id, i) => ({ id, field: `users[${i}]` })),
          window,
          p.maxStalenessMs ?? null,
          localReady,
        )
        return { users: p.users.map((id) => answer.users.get(id)!), sources: answer.sources, rpcs: answer.rpcs }
      })
      .method('calendar.changes', s['calendar.changes'], async (p, ctx) => {
        await deps.readBarrier(ctx)
        const startedMs = deps.now()
        let changes = deps.journal.changedSince(p.after)
        if (changes.kind === 'changes' && changes.users.length === 0 && p.waitMs > 0) {
          await deps.journal.nextChange(p.waitMs, ctx.signal)
          changes = deps.journal.changedSince(p.after)
        }
        // Only a leader knows nothing was committed meanwhile that it has not applied.
        const waitedMs = deps.isLeader() ? deps.now() - startedMs : 0
        return { appliedIndex: changes.appliedIndex, users: changes.kind === 'changes' ? changes.users : null, waitedMs }
      })
      .method('calendar.freeBusyStats', s['calendar.freeBusyStats'], () => ({
        office: deps.office.officeId,
        cache: this.cacheStats(),
        ...this.fanOut.counters,
        feeds: this.feeds.status(),
      }))
  }

  /** The cache's counters, for calendar.freeBusyStats and the replica's metrics. */
  cacheStats(): FreeBusyCacheStats {
    return this.cache.stats()
  }

  stop(): void {
    this.feeds.stop()
    for (const client of this.clients.values()) client.close()
    this.clients.clear()
  }
}

function withFieldErrors<T>(ctx: RequestContext, run: () => T): T {
  try {
    return run()
  } catch (error) {
    if (error instanceof CalendarInputError) throw RpcError.of('BAD_REQUEST', `${ctx.method}: ${error.message}`, { field: error.field })
    throw error
  }
}
