/**
 * Leader failover, measured on real processes: a 3-replica office under a light write load; the
 * leader is killed with SIGKILL; from that instant a probe write is issued every 25 ms, and the
 * failover time is when the first probe is acknowledged. The killed replica is then restarted and
 * its recovery time is how long it takes to apply everything the office committed meanwhile.
 *
 *   npm run bench:failover -- [--tries 10]
 */
import { parseArgs } from 'node:util'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import { queryReplicaStatus, replicaClientUrl } from '../../src/cluster/cluster-status.js'
import { percentile } from '../../src/bench/latency-recorder.js'

const { values } = parseArgs({ options: { tries: { type: 'string', default: '10' } } })
const tries = Number(values.tries)
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const cluster = await EphemeralCluster.create({
  launcher: { command: process.execPath, args: ['--import', 'tsx', join(repo, 'cli/dms.ts')] },
  offices: [{ id: 'nyc', timeZone: 'America/New_York', replicas: 3 }],
})

const statusOf = (nodeId: string) => queryReplicaStatus(replicaClientUrl(cluster.config, nodeId))

const failovers: number[] = []
const recoveries: number[] = []
try {
  cluster.startAll()
  const client = cluster.client('nyc', 10_000)
  await cluster.waitForLeader('nyc')
  for (let attempt = 1; attempt <= tries; attempt++) {
    const { leader } = await cluster.waitForLeader('nyc')
    for (let i = 0; i < 50; i++) await client.call('kv.put', { key: `warm-${i}`, value: String(attempt) })
    const killedAt = performance.now()
    await cluster.replicas.get(leader!)!.kill()
    const firstAck = await new Promise<number>((resolveAck) => {
      let done = false
      const probe = (): void => {
        if (done) return
        client.call('kv.put', { key: 'probe', value: String(attempt) }).then(
          () => {
            if (!done) {
              done = true
              resolveAck(performance.now())
            }
          },
          () => {},
        )
        setTimeout(probe, 25)
      }
      probe()
    })
    failovers.push(firstAck - killedAt)
    for (let i = 0; i < 200; i++) await client.call('kv.put', { key: `during-${i}`, value: String(attempt) })
    const target = (await statusOf((await cluster.waitForLeader('nyc')).leader!))!.commitIndex
    const restartedAt = performance.now()
    cluster.replicas.get(leader!)!.start()
    while (((await statusOf(leader!))?.appliedIndex ?? 0) < target) await new Promise((r) => setTimeout(r, 20))
    recoveries.push(performance.now() - restartedAt)
    process.stderr.write(`try ${attempt}: killed ${leader}, first write after ${(firstAck - killedAt).toFixed(0)} ms, restarted replica caught up in ${recoveries.at(-1)!.toFixed(0)} ms\n`)
  }
} finally {
  await cluster.stop()
}
const summary = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b)
  return { min: Math.round(sorted[0]!), median: Math.round(percentile(sorted, 0.5)), p90: Math.round(percentile(sorted, 0.9)), max: Math.round(sorted.at(-1)!) }
}
console.log(JSON.stringify({ tries, failoverMs: summary(failovers), failoverSamplesMs: failovers.map(Math.round), recoveryMs: summary(recoveries) }))
