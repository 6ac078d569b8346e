/**
 * A replica that was down across two membership changes must catch up from a leader it has never
 * heard of: nyc-1 stops; nyc-4 joins and is promoted; nyc-2 is removed; nyc-4 takes the lead.
 * When nyc-1 restarts its log still says the office is {nyc-1, nyc-2, nyc-3}, so the leader is a
 * stranger to it, yet it must admit the leader's authenticated link, answer it, and end up with the
 * leader's applied index and the office's data. (Chaos seed 2 found a replica refusing the new
 * leader forever, "nyc-4 is not a peer of nyc-1".)
 */
import t, { type Test } from 'tap'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { clientUrl } from '../../src/rpc/endpoint-urls.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { startTestCluster, type TestCluster } from './cluster-fixture.js'
import { runDms } from './run-dms.js'

t.setTimeout(240_000)

/** A client pinned to one replica, for its own status and its stale (local) reads. */
function replicaClient(t: Test, cluster: TestCluster, nodeId: string): ClusterClient<OfficeMethods> {
  const replica = cluster.config.offices.flatMap((o) => o.replicas).find((r) => r.id === nodeId)
  if (replica === undefined) throw new Error(`no replica ${nodeId} in the config`)
  const client = new ClusterClient<OfficeMethods>({ endpoints: [clientUrl(replica)], callTimeoutMs: 5000 })
  t.teardown(() => client.close())
  return client
}

async function dms(t: Test, args: readonly string[], cluster: TestCluster): Promise<void> {
  const run = await runDms([...args, '--config', cluster.configPath, '--json'])
  t.equal(run.code, 0, `dms ${args.join(' ')}: ${run.stderr}`)
}

/** Polls until `check` holds; fails after `timeoutMs` naming `what` and the last value seen. */
async function waitUntil<T>(what: string, timeoutMs: number, read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T | string = 'nothing read yet'
  for (;;) {
    try {
      const value = await read()
      if (check(value)) return value
      last = value
    } catch (error) {
      last = `error: ${error instanceof Error ? error.message : String(error)}`
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

t.test('a replica down across an addition and a removal catches up from the new leader it never knew', async (t) => {
  const cluster = await startTestCluster(t)
  await cluster.waitForLeader('nyc')
  const client = cluster.client('nyc')
  for (let i = 0; i < 20; i++) await client.call('kv.put', { key: `before-${i}`, value: String(i) })

  const lagging = cluster.replicas.get('nyc-1')!
  await lagging.stop()
  await cluster.waitForLeader('nyc', { exclude: 'nyc-1' })

  const joiner = await cluster.addReplica('nyc', ['--join'])
  t.equal(joiner.nodeId, 'nyc-4')
  joiner.start()
  await dms(t, ['office', 'add-replica', '--office', 'nyc', '--id', 'nyc-4'], cluster)
  await dms(t, ['office', 'remove-replica', '--office', 'nyc', '--id', 'nyc-2'], cluster)
  await cluster.removeReplica('nyc-2')
  const current = await cluster.waitForLeader('nyc', { exclude: 'nyc-1' })
  if (current.leader !== 'nyc-4') await dms(t, ['office', 'transfer-leader', '--office', 'nyc', '--to', 'nyc-4'], cluster)
  const leaderStatus = replicaClient(t, cluster, 'nyc-4')
  await waitUntil('nyc-4 to lead', 30_000, () => leaderStatus.call('replica.status', {}), (s) => s.role === 'leader')
  for (let i = 0; i < 20; i++) await client.call('kv.put', { key: `after-${i}`, value: String(i) })

  lagging.start()
  const laggingClient = replicaClient(t, cluster, 'nyc-1')
  const leader = await leaderStatus.call('replica.status', {})
  const caughtUp = await waitUntil(
    `nyc-1 to apply up to the leader's index ${leader.appliedIndex}`,
    45_000,
    () => laggingClient.call('replica.status', {}),
    (s) => s.appliedIndex >= leader.appliedIndex,
  )
  t.equal(caughtUp.leader, 'nyc-4', 'nyc-1 follows the leader it did not know')
  t.same([...caughtUp.voters].sort(), ['nyc-1', 'nyc-3', 'nyc-4'], 'and now knows the membership')

  const everything = { prefix: '', limit: 1000, stale: true }
  const onLeader = await leaderStatus.call('kv.range', everything)
  const onLagging = await laggingClient.call('kv.range', everything)
  t.equal(onLeader.entries.length, 40, 'the leader holds all 40 keys')
  t.same(onLagging, onLeader, "nyc-1's data is the leader's")
})
