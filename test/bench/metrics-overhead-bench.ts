/**
 * What the per-replica metrics cost: nanoseconds per recorded event on the hot paths (one RPC
 * timed, one proposal counted, one synced write timed) and the time and size of one scrape of a
 * replica's /metrics with every RPC method registered. Compare with a kv.put's server CPU time in
 * docs/BENCHMARKS.md (hundreds of microseconds) to see the share.
 * Run: npm run bench:metrics [-- --events 2000000]
 */
import type { RaftStatus } from '../../raft/status.js'
import { NodeMetrics } from '../../src/metrics/node-metrics.js'
import { OFFICE_PARAM_SCHEMAS } from '../../src/office/office-api.js'
import { silentLogger } from '../../src/rpc/rpc-logger.js'
import { RpcServer } from '../../src/rpc/rpc-server.js'

const eventsArg = process.argv.indexOf('--events')
const EVENTS = eventsArg >= 0 ? Number(process.argv[eventsArg + 1]) : 2_000_000
if (!Number.isSafeInteger(EVENTS) || EVENTS <= 0) throw new Error(`--events: expected a positive integer, got ${process.argv[eventsArg + 1]}`)

const status: RaftStatus = {
  id: 'nyc-1', role: 'leader', term: 7, vote: 'nyc-1', leader: 'nyc-1', commit: 1_000_000, applied: 999_990, lastIndex: 1_000_010, firstIndex: 990_001,
  conf: { voters: ['nyc-1', 'nyc-2', 'nyc-3'], learners: [] },
  progress: { 'nyc-2': { match: 1_000_005, next: 1_000_011, state: 'replicate', inflight: 3 }, 'nyc-3': { match: 999_000, next: 999_001, state: 'probe', inflight: 1 } },
  transferringTo: null,
}
const rpcServer = new RpcServer({ logger: silentLogger })
const metrics = new NodeMetrics(
  { nodeId: 'nyc-1', officeId: 'nyc', processMetrics: true },
  {
    raft: () => status,
    driver: () => ({ readies: 1, persists: 2, persistedEntries: 3, snapshots: 4 }),
    rpc: () => rpcServer.stats(),
    fencing: async () => ({ staleTerm: 0, staleToken: 1, conflictingDecision: 0, notPrepared: 0 }),
    freeBusyCache: () => ({ hits: 10, misses: 5, hitRate: 2 / 3, entries: 7, invalidated: 2, resets: 0 }),
  },
)
const observers = Object.keys(OFFICE_PARAM_SCHEMAS).map((method) => metrics.forMethod(method))

function nsPerEvent(name: string, record: (i: number) => void): void {
  for (let i = 0; i < 10_000; i++) record(i) // warm-up: let the JIT settle first
  const start = process.hrtime.bigint()
  for (let i = 0; i < EVENTS; i++) record(i)
  const ns = Number(process.hrtime.bigint() - start) / EVENTS
  console.log(`${name.padEnd(48)} ${ns.toFixed(0).padStart(5)} ns/event`)
}

// What RpcServer.run adds per request: two clock reads and one histogram observation.
nsPerEvent('RPC timed (2 x performance.now + observe)', (i) => {
  const started = performance.now()
  ;(observers[i % observers.length] as (s: number, f: boolean) => void)((performance.now() - started) / 1000, false)
})
nsPerEvent('proposal counted', (i) => metrics.proposal(i % 2 === 0 ? 'kv' : 'calendar', false))
nsPerEvent('synced write timed (observe only)', (i) => metrics.observeSyncWrite((i % 100) / 10_000))

const scrapes = 200
let bytes = 0
const start = process.hrtime.bigint()
for (let i = 0; i < scrapes; i++) bytes = (await metrics.exposition()).length
const ms = Number(process.hrtime.bigint() - start) / 1e6 / scrapes
console.log(`one scrape of /metrics (${observers.length} RPC methods)`.padEnd(48), `${ms.toFixed(2).padStart(5)} ms, ${(bytes / 1024).toFixed(0)} KiB`)
