/**
 * A replica's Prometheus metrics (prom-client), in a registry of its own (tests run several
 * replicas in one process). Raft positions, driver and RPC-server counts are read when scraped,
 * so they cost nothing between scrapes. Per-request counts (proposals, decisions) are plain
 * numbers read at scrape time too; timings (RPC, synced writes) go to histogram children created
 * up front. docs/BENCHMARKS.md has the cost per event.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { DriverCounters } from '../../raft/driver.js'
import type { RaftStatus } from '../../raft/status.js'
import type { SoftState } from '../../raft/types.js'
import type { DecisionKind, FencingRejection } from '../cross-office/xoffice-command.js'
import { FENCING_REJECTIONS } from '../cross-office/xoffice-store.js'
import type { FreeBusyCacheStats } from '../free-busy/free-busy-cache.js'
import type { OfficeCommand } from '../office/office-command.js'
import type { MethodObserver, RpcObserver, RpcServerStats } from '../rpc/rpc-server.js'

/** What the scrape reads from the running replica. */
export interface NodeMetricSources {
  readonly raft: () => RaftStatus
  readonly driver: () => DriverCounters
  readonly rpc: () => RpcServerStats
  /** The office's replicated fencing counters (as this replica has applied them). */
  readonly fencing: () => Promise<Readonly<Record<FencingRejection, number>>>
  /** This replica's cache of other offices' free/busy answers. */
  readonly freeBusyCache: () => FreeBusyCacheStats
}

export interface NodeMetricsOptions {
  readonly nodeId: string
  readonly officeId: string
  /** Node.js process metrics (CPU, memory, event-loop lag): for `dms node`, not for in-process tests. */
  readonly processMetrics: boolean
}

export type ProposalKind = OfficeCommand['kind']
/** Every kind of office command, checked by the compiler: a new kind must be counted too. */
const PROPOSAL_KINDS = Object.keys({ kv: null, calendar: null, xoffice: null, directory: null } satisfies Record<ProposalKind, null>) as ProposalKind[]

/** Seconds: from a page-cache hit (~0.1 ms) to a stalled disk. */
const SYNC_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const RPC_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE

export class NodeMetrics implements RpcObserver {
  readonly registry = new Registry()
  private readonly proposals = Object.fromEntries(PROPOSAL_KINDS.map((kind) => [kind, { applied: 0, failed: 0 }])) as Record<ProposalKind, Record<'applied' | 'failed', number>>
  private readonly syncWrites: Histogram
  private readonly rpcSeconds: Histogram<'method' | 'outcome'>
  private readonly leaderChanges: Counter
  private readonly elections: Counter
  private readonly decisions: Record<DecisionKind, number> = { commit: 0, abort: 0 }
  private lastLeader: string | null = null
  private lastRole: SoftState['role'] = 'follower'
  private lastTerm = 0

  constructor(options: NodeMetricsOptions, sources: NodeMetricSources) {
    const registers = [this.registry]
    this.registry.setDefaultLabels({ node: options.nodeId, office: options.officeId })
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry })

    const raftGauge = (name: string, help: string, read: (status: RaftStatus) => number): void => {
      new Gauge({ name, help, registers, collect() { this.set(read(sources.raft())) } })
    }
    raftGauge('dms_raft_term', 'current Raft term of this replica', (s) => s.term)
    raftGauge('dms_raft_commit_index', 'highest log index known committed', (s) => s.commit)
    raftGauge('dms_raft_applied_index', 'highest log index applied to the state machine', (s) => s.applied)
    raftGauge('dms_raft_last_index', 'last index in this replica\'s log', (s) => s.lastIndex)
    raftGauge('dms_raft_first_index', 'first index still in the log (older entries are in the snapshot)', (s) => s.firstIndex)
    raftGauge('dms_raft_apply_lag_entries', 'committed entries not yet applied here (commit - applied)', (s) => s.commit - s.applied)
    raftGauge('dms_raft_commit_lag_entries', 'entries in the log not yet known committed (last - commit)', (s) => s.lastIndex - s.commit)
    raftGauge('dms_raft_is_leader', '1 while this replica leads its office', (s) => (s.role === 'leader' ? 1 : 0))
    raftGauge('dms_raft_has_leader', '1 while this replica knows a leader of its office', (s) => (s.leader === null ? 0 : 1))
    raftGauge('dms_raft_voters', 'voting members in this replica\'s view of the membership', (s) => s.conf.voters.length)
    new Gauge({
      name: 'dms_raft_follower_lag_entries',
      help: 'on the leader: entries each follower still lacks (last index - its match index)',
      labelNames: ['peer'],
      registers,
      collect() {
        this.reset()
        const status = sources.raft()
        for (const [peer, progress] of Object.entries(status.progress ?? {})) this.set({ peer }, status.lastIndex - progress.match)
      },
    })
    this.leaderChanges = new Counter({ name: 'dms_raft_leader_changes_total', help: 'times this replica saw its office get a new leader (elections it observed)', registers })
    this.elections = new Counter({
      name: 'dms_raft_elections_started_total',
      help: 'elections this replica started as a candidate (after winning a pre-vote); a rising count without leader changes means elections that fail',
      registers,
    })

    const driverCounter = (name: string, help: string, read: (c: DriverCounters) => number): void => {
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(read(sources.driver())) } })
    }
    driverCounter('dms_raft_synced_writes_total', 'batches handed to storage (each covers the Readys gathered while the one before was written: group commit); those that only move the commit index are not written, see dms_storage_sync_write_seconds_count', (c) => c.persists)
    driverCounter('dms_raft_persisted_entries_total', 'log entries made durable', (c) => c.persistedEntries)
    driverCounter('dms_raft_snapshots_total', 'state-machine snapshots taken (log compactions)', (c) => c.snapshots)
    this.syncWrites = new Histogram({
      name: 'dms_storage_sync_write_seconds',
      help: 'latency of one synced LevelDB batch (fsync) of the Raft log',
      buckets: SYNC_BUCKETS,
      registers,
    })

    const proposals = this.proposals
    new Counter({
      name: 'dms_raft_proposals_total',
      help: 'commands proposed through this replica, by kind and outcome',
      labelNames: ['kind', 'outcome'],
      registers,
      collect() {
        this.reset()
        for (const kind of PROPOSAL_KINDS) for (const outcome of ['applied', 'failed'] as const) this.inc({ kind, outcome }, proposals[kind][outcome])
      },
    })

    this.rpcSeconds = new Histogram({
      name: 'dms_rpc_request_duration_seconds',
      help: 'client RPC handling time by method; outcome "error" for requests answered with an error',
      labelNames: ['method', 'outcome'],
      buckets: RPC_BUCKETS,
      registers,
    })
    const rpcCounter = (name: string, help: string, read: (s: RpcServerStats) => number): void => {
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(read(sources.rpc())) } })
    }
    rpcCounter('dms_rpc_rejected_total', 'client frames refused before a handler: undecodable, malformed, unknown method, bad params', (s) => s.rejected)
    rpcCounter('dms_rpc_overloaded_total', 'requests refused because their connection had too many in flight', (s) => s.overloaded)
    new Gauge({ name: 'dms_rpc_connections', help: 'open client connections', registers, collect() { this.set(sources.rpc().connections) } })

    const decisions = this.decisions
    new Counter({
      name: 'dms_xoffice_decisions_total',
      help: 'two-phase-commit decisions this replica made durable as coordinator',
      labelNames: ['decision'],
      registers,
      collect() {
        this.reset()
        for (const [decision, count] of Object.entries(decisions)) this.inc({ decision }, count)
      },
    })
    new Gauge({
      name: 'dms_xoffice_fenced_rejections',
      help: 'cross-office messages the office refused (stale coordinator term or fencing token, ...); replicated, so every replica agrees',
      labelNames: ['rejection'],
      registers,
      async collect() {
        const counts = await sources.fencing()
        for (const rejection of FENCING_REJECTIONS) this.set({ rejection }, counts[rejection])
      },
    })

    new Counter({
      name: 'dms_freebusy_cache_lookups_total',
      help: 'lookups of other offices\' free/busy in this replica\'s cache, by result; hit rate = hit / (hit + miss)',
      labelNames: ['result'],
      registers,
      collect() {
        const stats = sources.freeBusyCache()
        this.reset()
        this.inc({ result: 'hit' }, stats.hits)
        this.inc({ result: 'miss' }, stats.misses)
      },
    })
    new Counter({
      name: 'dms_freebusy_cache_invalidations_total',
      help: 'cached answers dropped because the other office\'s change stream reported a change',
      registers,
      collect() { this.reset(); this.inc(sources.freeBusyCache().invalidated) },
    })
    new Gauge({ name: 'dms_freebusy_cache_entries', help: 'answers held in the free/busy cache', registers, collect() { this.set(sources.freeBusyCache().entries) } })
    new Gauge({
      name: 'dms_freebusy_cache_hit_ratio',
      help: 'hits / (hits + misses) of the free/busy cache since the replica started; 0 before the first lookup',
      registers,
      collect() { this.set(sources.freeBusyCache().hitRate) },
    })
  }

  forMethod(name: string): MethodObserver {
    this.rpcSeconds.zero({ method: name, outcome: 'ok' })
    this.rpcSeconds.zero({ method: name, outcome: 'error' })
    const ok = this.rpcSeconds.labels(name, 'ok')
    const error = this.rpcSeconds.labels(name, 'error')
    return (seconds, failed) => (failed ? error : ok).observe(seconds)
  }

  observeSyncWrite(seconds: number): void {
    this.syncWrites.observe(seconds)
  }

  proposal(kind: ProposalKind, failed: boolean): void {
    this.proposals[kind][failed ? 'failed' : 'applied']++
  }

  softState(soft: SoftState): void {
    if (soft.leader !== null && soft.leader !== this.lastLeader) this.leaderChanges.inc()
    // Each candidacy has a term of its own: a candidate that times out and runs again is a new election.
    if (soft.role === 'candidate' && (this.lastRole !== 'candidate' || soft.term !== this.lastTerm)) this.elections.inc()
    this.lastLeader = soft.leader
    this.lastRole = soft.role
    this.lastTerm = soft.term
  }

  decision(kind: DecisionKind): void {
    this.decisions[kind]++
  }

  /** The text exposition a Prometheus server scrapes. */
  async exposition(): Promise<string> {
    return this.registry.metrics()
  }
}
