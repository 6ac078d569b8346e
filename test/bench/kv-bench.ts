/**
 * The KV comparison of issue 3, in one harness: the same closed-loop put load (16-byte keys over
 * 10,000 keys, 100-byte values) against a 3-replica dms office and a 3-member etcd cluster, both on
 * this machine with data on disk and fsync on, at several concurrencies. Prints a Markdown table.
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

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '1,16,64,256' } } })
const durationS = Number(values.duration)
const concurrencies = values.concurrency!.split(',').map(Number)
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))

let seed = 42
const random = (): number => ((seed = (seed * 48271) % 2147483647) / 2147483647)

async function measure(target: KvBenchTarget): Promise<KvLoadReport[]> {
  const reports: KvLoadReport[] = []
  await runKvLoad(target, { concurrency: 16, durationS: 2, keySpace: 10_000, keyBytes: 16, valueBytes: 100, random, now: () => performance.now() })
  for (const concurrency of concurrencies) {
    const report = await runKvLoad(target, { concurrency, durationS, keySpace: 10_000, keyBytes: 16, valueBytes: 100, random, now: () => performance.now() })
    process.stderr.write(`${JSON.stringify(report)}\n`)
    reports.push(report)
  }
  return reports
}

const dmsCluster = await EphemeralCluster.create({
  launcher: { command: process.execPath, args: [join(repo, 'dist/cli/dms.js')] },
  offices: [{ id: 'nyc', timeZone: 'America/New_York', replicas: 3 }],
})
let dms: KvLoadReport[]
try {
  dmsCluster.startAll()
  await dmsCluster.waitForLeader('nyc')
  const target = connectDmsTarget(officeClientUrls(dmsCluster.config, 'nyc'))
  dms = await measure(target)
  await target.close()
} finally {
  await dmsCluster.stop()
}
const etcdCluster = await startEtcdCluster()
let etcd: KvLoadReport[]
try {
  const target = await connectEtcdTarget(etcdCluster.endpoints)
  etcd = await measure(target)
  await target.close()
} finally {
  await etcdCluster.stop()
}
const rows = concurrencies.map((c, i) => {
  const d = dms[i]!
  const e = etcd[i]!
  return `| ${c} | ${d.opsPerSec} | ${d.p50Ms} | ${d.p99Ms} | ${e.opsPerSec} | ${e.p50Ms} | ${e.p99Ms} | ${(d.opsPerSec / e.opsPerSec).toFixed(2)}× |`
})
console.log(['| concurrency | dms puts/s | dms p50 ms | dms p99 ms | etcd puts/s | etcd p50 ms | etcd p99 ms | dms/etcd |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |', ...rows].join('\n'))
