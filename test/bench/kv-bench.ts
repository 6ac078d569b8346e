/**
 * The KV comparison of issue 3, in one harness: the same closed-loop put load (16-byte keys over
 * 10,000 keys, 100-byte values) against a 3-replica dms office and a 3-member etcd cluster, both on
 * this machine with data on disk and fsync on, at several concurrencies. Prints a Markdown table,
 * with the CPU each side's three server processes and the load generator spent per put.
 *
 *   npm run bench:kv -- [--duration 10] [--concurrency 1,16,64,256] [--targets dms,etcd]
 *                       [--idle 10] [--cpu-prof DIR] [--heap-prof DIR] [--node-flags="--flag ..."]
 *                       [--tail-ms 2]
 *
 * `--idle S` first measures the servers' CPU over S seconds with no load (ms of CPU per second);
 * `--cpu-prof DIR` runs the dms replicas under `node --cpu-prof`, writing one profile per replica
 * into DIR when they stop (read them with test/bench/cpu-profile-summary.ts); `--heap-prof DIR`
 * likewise samples where they allocate (`node --heap-prof`). `--tail-ms T` adds a table of the puts
 * slower than T ms and, for dms, how many of them met a garbage-collection pause in one of the
 * replicas (each replica logs its pauses through test/bench/gc-pause-log.cjs); see
 * src/bench/pause-overlap.ts.
 */
import { parseArgs } from 'node:util'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import { connectDmsTarget } from '../../src/bench/dms-bench-target.js'
import { connectEtcdTarget } from '../../src/bench/etcd-bench-target.js'
import { runKvLoad, type KvLoadReport } from '../../src/bench/kv-load.js'
import type { KvBenchTarget } from '../../src/bench/kv-bench-target.js'
import { startEtcdCluster } from './etcd-local-cluster.js'
import { cpuMsOfProcessesMatching } from './process-cpu.js'
import { attributeTail, parsePauseLog, type ProcessPause, type TailAttribution, type TimedPut } from '../../src/bench/pause-overlap.js'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1,16,64,256' },
    targets: { type: 'string', default: 'dms,etcd' },
    idle: { type: 'string', default: '0' },
    'cpu-prof': { type: 'string' },
    'heap-prof': { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    'tail-ms': { type: 'string' },
  },
})
const durationS = positiveNumber('--duration', values.duration!)
const idleS = values.idle === '0' ? 0 : positiveNumber('--idle', values.idle!)
const concurrencies = values.concurrency!.split(',').map((c) => positiveNumber('--concurrency', c))
const targets = values.targets!.split(',')
for (const t of targets) if (t !== 'dms' && t !== 'etcd') fail(`--targets: unknown target "${t}" (expected dms and/or etcd)`)
const tailMs = values['tail-ms'] === undefined ? null : positiveNumber('--tail-ms', values['tail-ms'])
/** Where the dms replicas log their pauses when `--tail-ms` is given (they inherit it through the environment). */
const gcLogDir = tailMs === null ? null : await mkdtemp(join(tmpdir(), 'dms-gc-'))
if (gcLogDir !== null) process.env.DMS_GC_LOG_DIR = gcLogDir
/** Extra node/V8 flags for the dms replicas (e.g. to compare garbage collector settings). */
const replicaNodeFlags = [
  ...values['node-flags']!.split(' ').filter((flag) => flag.length > 0),
  ...(values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'])}`]),
  ...(values['heap-prof'] === undefined ? [] : ['--heap-prof', `--heap-prof-dir=${resolve(values['heap-prof'])}`]),
  ...(gcLogDir === null ? [] : ['--require', fileURLToPath(new URL('./gc-pause-log.cjs', import.meta.url))]),
]
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))

let seed = 42
const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647)

interface Measured extends KvLoadReport {
  /** CPU ms per acknowledged put: the three server processes together, and the load generator. */
  readonly serverCpuMsPerOp: number | null
  readonly clientCpuMsPerOp: number
  /** With `--tail-ms`: the slow puts, and (dms) the pauses they met. */
  readonly tail: TailAttribution | null
}

/** `serverMarker` appears in the command line of exactly the target's server processes. */
async function measure(target: KvBenchTarget, serverMarker: string): Promise<Measured[]> {
  const reports: Measured[] = []
  await runKvLoad(target, { concurrency: 16, durationS: 2, keySpace: 10_000, keyBytes: 16, valueBytes: 100, random, now: () => performance.now() })
  for (const concurrency of concurrencies) {
    const serverBefore = await cpuMsOfProcessesMatching(serverMarker)
    const clientBefore = process.cpuUsage()
    const puts: TimedPut[] = []
    // Wall-clock milliseconds, as the replicas' pause logs use.
    const onPut = tailMs === null ? undefined : (endMs: number, latencyMs: number) => puts.push({ endMs: performance.timeOrigin + endMs, latencyMs })
    const report = await runKvLoad(target, { concurrency, durationS, keySpace: 10_000, keyBytes: 16, valueBytes: 100, random, now: () => performance.now(), onPut })
    const client = process.cpuUsage(clientBefore)
    const serverAfter = await cpuMsOfProcessesMatching(serverMarker)
    const ops = Math.max(1, report.ops)
    const measured: Measured = {
      ...report,
      serverCpuMsPerOp: serverBefore === null || serverAfter === null ? null : round3((serverAfter - serverBefore) / ops),
      clientCpuMsPerOp: round3((client.user + client.system) / 1000 / ops),
      tail: tailMs === null || puts.length === 0 ? null : attributeTail(puts, target.name === 'dms' ? await replicaPauses() : [], tailMs),
    }
    process.stderr.write(`${JSON.stringify(measured)}\n`)
    reports.push(measured)
  }
  return reports
}

/** Every pause the dms replicas have logged so far (the logs are written twice a second). */
async function replicaPauses(): Promise<ProcessPause[]> {
  if (gcLogDir === null) return []
  await new Promise((done) => setTimeout(done, 600))
  const files = (await readdir(gcLogDir)).filter((name) => /^gc-\d+\.log$/.test(name))
  const logs = await Promise.all(files.map(async (name) => parsePauseLog(name.slice(3, -4), await readFile(join(gcLogDir, name), 'utf8'))))
  return logs.flat()
}

/** Server CPU over `seconds` with no load: the background cost of timers, heartbeats and pings. */
async function idleCpuMsPerSecond(serverMarker: string, seconds: number): Promise<number | null> {
  const before = await cpuMsOfProcessesMatching(serverMarker)
  await new Promise((done) => setTimeout(done, seconds * 1000))
  const after = await cpuMsOfProcessesMatching(serverMarker)
  return before === null || after === null ? null : Math.round((after - before) / seconds)
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text)
  if (!Number.isFinite(n) || n <= 0) fail(`${flag}: expected a positive number, got "${text}"`)
  return n
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(2)
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}

interface TargetRun {
  readonly idleCpuMsPerS: number | null
  readonly rows: Measured[]
}

async function runDms(): Promise<TargetRun> {
  const cluster = await EphemeralCluster.create({
    launcher: { command: process.execPath, args: [...replicaNodeFlags, join(repo, 'dist/cli/dms.js')] },
    offices: [{ id: 'nyc', timeZone: 'America/New_York', replicas: 3 }],
  })
  try {
    cluster.startAll()
    await cluster.waitForLeader('nyc')
    const idleCpuMsPerS = idleS > 0 ? await idleCpuMsPerSecond(cluster.directory, idleS) : null
    const target = connectDmsTarget(officeClientUrls(cluster.config, 'nyc'))
    const rows = await measure(target, cluster.directory)
    await target.close()
    return { idleCpuMsPerS, rows }
  } finally {
    await cluster.stop()
  }
}

async function runEtcd(): Promise<TargetRun> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dms-etcd-'))
  const cluster = await startEtcdCluster({ dataDir })
  try {
    const idleCpuMsPerS = idleS > 0 ? await idleCpuMsPerSecond(dataDir, idleS) : null
    const target = await connectEtcdTarget(cluster.endpoints)
    const rows = await measure(target, dataDir)
    await target.close()
    return { idleCpuMsPerS, rows }
  } finally {
    await cluster.stop()
    await rm(dataDir, { recursive: true, force: true })
  }
}

const dms = targets.includes('dms') ? await runDms() : null
const etcd = targets.includes('etcd') ? await runEtcd() : null
for (const [name, run] of [['dms', dms], ['etcd', etcd]] as const) {
  if (run !== null && run.idleCpuMsPerS !== null) console.log(`${name} servers idle: ${run.idleCpuMsPerS} ms CPU per second (3 processes, ${idleS} s)`)
}
const cpu = (m: Measured): string => `${m.serverCpuMsPerOp ?? '-'} / ${m.clientCpuMsPerOp}`
const columns = (m: Measured | undefined): string[] => (m === undefined ? [] : [String(m.opsPerSec), String(m.p50Ms), String(m.p99Ms), cpu(m)])
const header = (name: string): string[] => [`${name} puts/s`, `${name} p50 ms`, `${name} p99 ms`, `${name} CPU ms/put (servers / client)`]
const rows = concurrencies.map((c, i) => {
  const d = dms?.rows[i]
  const e = etcd?.rows[i]
  const ratio = d === undefined || e === undefined ? [] : [`${(d.opsPerSec / e.opsPerSec).toFixed(2)}×`]
  return `| ${[String(c), ...columns(d), ...columns(e), ...ratio].join(' | ')} |`
})
const titles = ['concurrency', ...(dms === null ? [] : header('dms')), ...(etcd === null ? [] : header('etcd')), ...(dms !== null && etcd !== null ? ['dms/etcd'] : [])]
console.log([`| ${titles.join(' | ')} |`, `| ${titles.map(() => '---:').join(' | ')} |`, ...rows].join('\n'))
if (tailMs !== null) printTails(tailMs)
if (gcLogDir !== null) await rm(gcLogDir, { recursive: true, force: true })

function printTails(thresholdMs: number): void {
  const percent = (x: number): string => `${(x * 100).toFixed(2)}%`
  console.log(`\nPuts slower than ${thresholdMs} ms; for dms, the share of them during which a replica was paused by its garbage collector, the share that puts as long would meet by chance, the same share among the other puts, and the share of the time some replica was paused:\n`)
  console.log('| target | concurrency | slow puts | slow ones meeting a pause | by chance | other puts meeting a pause | time paused | scavenges/s per replica, mean ms | mark-compacts |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |')
  for (const [name, run] of [['dms', dms], ['etcd', etcd]] as const) {
    for (const row of run?.rows ?? []) {
      const t = row.tail
      if (t === null) continue
      const pauses = name === 'dms'
      const scavenges = t.perProcess.map((p) => `${(p.scavenges / row.durationS).toFixed(1)} × ${p.scavengeMeanMs.toFixed(2)}`).join(', ')
      const compacts = t.perProcess.map((p) => String(p.markCompacts)).join(', ')
      console.log(`| ${name} | ${row.concurrency} | ${percent(t.slowShare)} | ${pauses ? percent(t.slowMeetingPauseShare) : '-'} | ${pauses ? percent(t.slowMeetingPauseByChance) : '-'} | ${pauses ? percent(t.fastMeetingPauseShare) : '-'} | ${pauses ? percent(t.pausedTimeShare) : '-'} | ${pauses ? scavenges : '-'} | ${pauses ? compacts : '-'} |`)
    }
  }
}
