/**
 * The KV comparison of issue 3, in one harness: the same closed-loop put load (16-byte keys over
 * 10,000 keys, 100-byte values) against a 3-replica dms office and a 3-member etcd cluster, both on
 * this machine with data on disk and fsync on, at several concurrencies. Prints a Markdown table,
 * with the CPU each side's three server processes and the load generator spent per put.
 *
 *   npm run build && npm run bench:kv -- [--duration 10] [--concurrency 1,16,64,256]
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
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '1,16,64,256' } } })
const durationS = Number(values.duration)
const concurrencies = values.concurrency!.split(',').map(Number)
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))

let seed = 42
const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647)

interface Measured extends KvLoadReport {
  /** CPU ms per acknowledged put: the three server processes together, and the load generator. */
  readonly serverCpuMsPerOp: number | null
  readonly clientCpuMsPerOp: number
}

/** `serverMarker` appears in the command line of exactly the target's server processes. */
async function measure(target: KvBenchTarget, serverMarker: string): Promise<Measured[]> {
  const reports: Measured[] = []
  await runKvLoad(target, { concurrency: 16, durationS: 2, keySpace: 10_000, keyBytes: 16, valueBytes: 100, random, now: () => performance.now() })
  for (const concurrency of concurrencies) {
    const serverBefore = await cpuMsOfProcessesMatching(serverMarker)
    const clientBefore = process.cpuUsage()
    const report = await runKvLoad(target, { concurrency, durationS, keySpace: 10_000, keyBytes: 16, valueBytes: 100, random, now: () => performance.now() })
    const client = process.cpuUsage(clientBefore)
    const serverAfter = await cpuMsOfProcessesMatching(serverMarker)
    const ops = Math.max(1, report.ops)
    const measured: Measured = {
      ...report,
      serverCpuMsPerOp: serverBefore === null || serverAfter === null ? null : round3((serverAfter - serverBefore) / ops),
      clientCpuMsPerOp: round3((client.user + client.system) / 1000 / ops),
    }
    process.stderr.write(`${JSON.stringify(measured)}\n`)
    reports.push(measured)
  }
  return reports
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000
}

const dmsCluster = await EphemeralCluster.create({
  launcher: { command: process.execPath, args: [join(repo, 'dist/cli/dms.js')] },
  offices: [{ id: 'nyc', timeZone: 'America/New_York', replicas: 3 }],
})
let dms: Measured[]
try {
  dmsCluster.startAll()
  await dmsCluster.waitForLeader('nyc')
  const target = connectDmsTarget(officeClientUrls(dmsCluster.config, 'nyc'))
  dms = await measure(target, dmsCluster.directory)
  await target.close()
} finally {
  await dmsCluster.stop()
}
const etcdDir = await mkdtemp(join(tmpdir(), 'dms-etcd-'))
const etcdCluster = await startEtcdCluster({ dataDir: etcdDir })
let etcd: Measured[]
try {
  const target = await connectEtcdTarget(etcdCluster.endpoints)
  etcd = await measure(target, etcdDir)
  await target.close()
} finally {
  await etcdCluster.stop()
  await rm(etcdDir, { recursive: true, force: true })
}
const rows = concurrencies.map((c, i) => {
  const d = dms[i]!
  const e = etcd[i]!
  const cpu = (m: Measured): string => `${m.serverCpuMsPerOp ?? '-'} / ${m.clientCpuMsPerOp}`
  return `| ${c} | ${d.opsPerSec} | ${d.p50Ms} | ${d.p99Ms} | ${cpu(d)} | ${e.opsPerSec} | ${e.p50Ms} | ${e.p99Ms} | ${cpu(e)} | ${(d.opsPerSec / e.opsPerSec).toFixed(2)}× |`
})
console.log(
  [
    '| concurrency | dms puts/s | dms p50 ms | dms p99 ms | dms CPU ms/put (servers / client) | etcd puts/s | etcd p50 ms | etcd p99 ms | etcd CPU ms/put (servers / client) | dms/etcd |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
  ].join('\n'),
)
