/**
 * CPU and allocation per applied KV put on the state-machine apply path alone (one replica's
 * OfficeStateMachine over LevelDB on disk, no Raft, no network), in batches of several sizes.
 *
 *   npx tsx test/bench/apply-path-bench.ts [--entries 40000] [--batches 1,16,64,256]
 *
 * CPU is the process's (main thread, LevelDB threads and the garbage collector's helpers), per
 * entry. Allocation is V8's sampling heap profiler with objects collected by either collector
 * counted: bytes allocated per entry, an estimate good to a few percent.
 */
import { Session } from 'node:inspector/promises'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Entry } from '../../raft/types.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { OfficeStateMachine } from '../../src/office/office-state-machine.js'
import { encodeProposal } from '../../src/office/office-command.js'
import { defaultWorkSchedule } from '../../src/calendar/availability/work-schedule.js'

const { values } = parseArgs({ options: { entries: { type: 'string', default: '40000' }, batches: { type: 'string', default: '1,16,64,256' } } })
const total = countOf('--entries', values.entries!)
const batchSizes = values.batches!.split(',').map((b) => countOf('--batches', b))

function countOf(flag: string, text: string): number {
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag}: expected a positive integer, got "${text}"`)
  return n
}

interface ProfileNode {
  readonly selfSize: number
  readonly children: readonly ProfileNode[]
}

function bytesIn(node: ProfileNode): number {
  return node.children.reduce((sum, child) => sum + bytesIn(child), node.selfSize)
}

interface SampledNode extends ProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
  readonly children: readonly SampledNode[]
}

function printTop(head: SampledNode, entries: number): void {
  const self = new Map<string, number>()
  const walk = (node: SampledNode): void => {
    const f = node.callFrame
    const name = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`
    self.set(name, (self.get(name) ?? 0) + node.selfSize)
    node.children.forEach(walk)
  }
  walk(head)
  for (const [name, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${(bytes / entries).toFixed(0).padStart(6)} B/entry  ${name}`)
}

let seed = 7
const random = (): number => (seed = (seed * 48271) % 2147483647) / 2147483647
const value = 'v'.repeat(100)

function putEntries(from: number, count: number): Entry[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: 'command' as const,
    term: 1,
    index: from + i,
    data: encodeProposal({
      // Like ClusterClient's ids: a client id and a sequence number.
      requestId: `bench-${(from + i).toString(36)}-${Math.floor(random() * 1e9).toString(36)}`,
      command: { kind: 'kv', command: { op: 'put', key: 'k' + String(Math.floor(random() * 10_000)).padStart(15, '0'), value } },
      atMs: 1_700_000_000_000 + from + i,
    }),
  }))
}

const session = new Session()
session.connect()
console.log('| entries per batch | entries | CPU µs / entry | allocated KB / entry |')
console.log('| ---: | ---: | ---: | ---: |')
for (const batch of batchSizes) {
  const dir = await mkdtemp(join(tmpdir(), 'dms-apply-bench-'))
  const db = await ReplicaDb.open(dir, { clusterId: 'bench', replicaId: 'r1' })
  try {
    const store = await StateMachineStore.open(db)
    const machine = new OfficeStateMachine(store, { office: { officeId: 'nyc', schedule: defaultWorkSchedule('America/New_York') } })
    let next = 1
    // Warm up (JIT, LevelDB files) outside the measurement.
    for (let i = 0; i < 2000; i += batch) next += (await machine.apply(putEntries(next, batch))).length
    const batches = Math.max(1, Math.floor(total / batch))
    const prepared = Array.from({ length: batches }, (_, i) => putEntries(next + i * batch, batch))
    await store.settled()
    const half = Math.floor(prepared.length / 2)
    // CPU over the first half unobserved; allocation over the second half with the profiler on.
    const cpuBefore = process.cpuUsage()
    for (const entries of prepared.slice(0, half)) await machine.apply(entries)
    await store.settled()
    const cpu = process.cpuUsage(cpuBefore)
    await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never)
    for (const entries of prepared.slice(half)) await machine.apply(entries)
    await store.settled()
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: SampledNode } }
    const timed = half * batch
    const sampled = (prepared.length - half) * batch
    if (process.env.APPLY_BENCH_TOP) printTop(profile.head, sampled)
    console.log(`| ${batch} | ${timed} | ${((cpu.user + cpu.system) / timed).toFixed(1)} | ${(bytesIn(profile.head) / sampled / 1024).toFixed(2)} |`)
  } finally {
    await db.close()
    await rm(dir, { recursive: true, force: true })
  }
}
session.disconnect()
