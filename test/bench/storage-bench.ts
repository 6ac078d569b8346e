/**
 * Storage benchmark: latency of one synced Raft-log write (RaftLogStore.persist: entries plus hard
 * state in one LevelDB batch with sync) for batches of 1, 16 and 256 entries of ~150 bytes; then
 * group commit through a single-replica driver under closed-loop load, which shows how many
 * proposals one synced write covers. Prints markdown tables for docs/BENCHMARKS.md.
 *
 * Usage: npm run bench:storage [-- --seconds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { intervalTicker, RaftDriver } from '../../raft/driver.js'
import type { Entry } from '../../raft/types.js'
import { LatencyRecorder } from '../../src/bench/latency-recorder.js'
import { RaftLogStore } from '../../storage/raft-log-store.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { seededRandom } from '../raft-driver/driver-cluster.js'
import { encodePut, KvStateMachine } from '../raft-driver/kv-state-machine.js'

const ENTRY_BYTES = 150
const secondsArg = process.argv.indexOf('--seconds')
const loadSeconds = secondsArg === -1 ? 3 : Number(process.argv[secondsArg + 1])
if (!Number.isFinite(loadSeconds) || loadSeconds <= 0) throw new Error(`--seconds must be a positive number`)

const fmt = (ms: number): string => ms.toFixed(2)

async function syncedBatchLatency(root: string): Promise<void> {
  const db = await ReplicaDb.open(join(root, 'batches'), { clusterId: 'bench', replicaId: 'r1' })
  const log = await RaftLogStore.open(db)
  const payload = Buffer.alloc(ENTRY_BYTES, 7)
  let lastIndex = 0
  console.log(`\n| entries per synced batch | batches | p50 ms | p99 ms | max ms | entries/s |`)
  console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |`)
  for (const [size, batches] of [[1, 500], [16, 300], [256, 100]] as const) {
    const recorder = new LatencyRecorder()
    const started = performance.now()
    for (let b = 0; b < batches + 10; b++) {
      const entries: Entry[] = []
      for (let i = 1; i <= size; i++) entries.push({ kind: 'command', term: 1, index: lastIndex + i, data: payload })
      lastIndex += size
      const t0 = performance.now()
      await log.persist({ snapshot: null, entries, hardState: { term: 1, vote: 'r1', commit: lastIndex } })
      // The first ten are warm-up.
      if (b >= 10) recorder.record(performance.now() - t0)
    }
    const elapsed = (performance.now() - started) / 1000
    const s = recorder.summary()
    const rate = Math.round(((batches + 10) * size) / elapsed)
    console.log(`| ${size} | ${s.count} | ${fmt(s.p50Ms)} | ${fmt(s.p99Ms)} | ${fmt(s.maxMs)} | ${rate} |`)
  }
  await db.close()
}

async function groupCommit(root: string, concurrency: number): Promise<void> {
  const db = await ReplicaDb.open(join(root, `driver-${concurrency}`), { clusterId: 'bench', replicaId: 'n1' })
  const log = await RaftLogStore.open(db)
  const machine = new KvStateMachine(await StateMachineStore.open(db))
  const conf = { voters: ['n1'], learners: [] }
  const driver = await RaftDriver.start({
    config: {
      id: 'n1',
      electionTicks: 10,
      heartbeatTicks: 2,
      maxBytesPerMessage: 1 << 20,
      maxInflightMessages: 64,
      snapshotChunkBytes: 1 << 16,
      preVote: true,
      checkQuorum: true,
      leaseReads: false,
      maxClockDriftTicks: 0,
      random: seededRandom(concurrency),
    },
    restored: await log.load({ applied: machine.store.appliedIndex(), conf }),
    storage: log,
    transport: { send: () => {} },
    stateMachine: machine,
    ticker: intervalTicker(10),
    snapshotEvery: 100_000,
  })
  while (driver.status().role !== 'leader') await new Promise((resolve) => setTimeout(resolve, 10))
  const value = 'x'.repeat(ENTRY_BYTES - 20)
  const recorder = new LatencyRecorder()
  const before = driver.stats()
  const deadline = performance.now() + loadSeconds * 1000
  let n = 0
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now()
      await driver.propose(encodePut(`key-${n++ % 10_000}`, value))
      recorder.record(performance.now() - t0)
    }
  }
  const started = performance.now()
  await Promise.all(Array.from({ length: concurrency }, worker))
  const elapsed = (performance.now() - started) / 1000
  const after = driver.stats()
  const writes = after.persists - before.persists
  const entries = after.persistedEntries - before.persistedEntries
  const s = recorder.summary()
  console.log(
    `| ${concurrency} | ${Math.round(s.count / elapsed)} | ${fmt(s.p50Ms)} | ${fmt(s.p99Ms)} | ${writes} | ${(entries / writes).toFixed(1)} |`,
  )
  await driver.stop()
  await db.close()
}

const root = await mkdtemp(join(tmpdir(), 'dms-storage-bench-'))
try {
  console.log(`# storage bench (entries of ${ENTRY_BYTES} bytes, node ${process.version})`)
  await syncedBatchLatency(root)
  console.log(`\nGroup commit through a single-replica RaftDriver, ${loadSeconds} s closed loop per row:\n`)
  console.log(`| concurrent proposers | proposals/s | p50 ms | p99 ms | synced writes | entries per write |`)
  console.log(`| ---: | ---: | ---: | ---: | ---: | ---: |`)
  for (const concurrency of [1, 16, 256]) await groupCommit(root, concurrency)
} finally {
  await rm(root, { recursive: true, force: true })
}
