/**
 * The data-loss nemesis's heal at the cluster level: a replica of a real 3-replica office is
 * wiped and replaced through the membership RPC by a new member, which rebuilds from the leader.
 * Its links run through the fault proxies like the founders' (isolating it cuts it off from every
 * write while the others go on; healing brings it up to date), and a founder restarted afterwards
 * still reaches its peers through its proxies (its rewritten config kept the routing).
 */
import t from 'tap'
import { ClusterClient } from '../../../src/client/cluster-client.js'
import { ChaosEventLog } from '../../../src/chaos/chaos-event-log.js'
import { ClusterUnderTest } from '../../../src/chaos/harness/cluster-under-test.js'
import { SeededRandom } from '../../../src/chaos/seeded-random.js'
import { findReplica, officeClientUrls } from '../../../src/config/cluster-topology.js'
import type { OfficeMethods } from '../../../src/office/office-api.js'
import { clientUrl } from '../../../src/rpc/endpoint-urls.js'
import { tsxLauncher } from '../../integration/cluster-fixture.js'

t.setTimeout(240_000)

t.test('a wiped replica is replaced by a new member that rebuilds behind the proxies', async (t) => {
  const now = () => performance.now()
  const crashes: string[] = []
  const cluster = await ClusterUnderTest.start({
    launcher: tsxLauncher,
    offices: [{ id: 'nyc', timeZone: 'America/New_York', replicas: 3 }],
    random: new SeededRandom(7),
    clock: { now },
    log: new ChaosEventLog({ now }),
    onUnexpectedExit: (node, description) => crashes.push(`${node}: ${description}`),
  })
  const clients: Array<ClusterClient<OfficeMethods>> = []
  const clientOf = (endpoints: string[]) => {
    const client = new ClusterClient<OfficeMethods>({ endpoints, callTimeoutMs: 30_000 })
    clients.push(client)
    return client
  }
  t.teardown(async () => {
    for (const client of clients) client.close()
    await cluster.stop()
  })
  /** What `node` itself has applied for `key` (a stale read: no leader involved). */
  const valueAt = async (node: string, key: string) => {
    const client = clientOf([clientUrl(findReplica(cluster.cluster.config, node).replica)])
    return (await client.call('kv.get', { key, stale: true })).value
  }
  const eventuallyAt = async (node: string, key: string, value: string) => {
    for (let attempt = 0; attempt < 300 && (await valueAt(node, key)) !== value; attempt++) await new Promise((resolve) => setTimeout(resolve, 100))
    t.equal(await valueAt(node, key), value, `${node} applied ${key}=${value}`)
  }

  await cluster.cluster.waitForLeader('nyc', { timeoutMs: 120_000 })
  const office = clientOf(officeClientUrls(cluster.cluster.config, 'nyc'))
  await office.call('kv.put', { key: 'before', value: 'b' })

  await cluster.wipe('nyc-1')
  const replacement = await cluster.replace('nyc-1')
  t.equal(replacement, 'nyc-4', 'the new member has a fresh id')
  t.same(cluster.topology.offices[0]?.members, ['nyc-2', 'nyc-3', 'nyc-4'], 'the wiped replica left the office and the new one joined')
  t.same(Object.keys(cluster.network.peerAddressesOf('nyc-4')).sort(), ['nyc-2', 'nyc-3'], 'the new member has proxied links to the others only')
  t.equal(await valueAt('nyc-4', 'before'), 'b', 'the new member rebuilt what was written before it joined')

  cluster.network.partition({ pattern: 'isolate', node: 'nyc-4' })
  await office.call('kv.put', { key: 'isolated', value: 'i' })
  await eventuallyAt('nyc-2', 'isolated', 'i')
  await eventuallyAt('nyc-3', 'isolated', 'i')
  // Several heartbeats: over a link that bypassed its proxy the entry would have arrived by now.
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(await valueAt('nyc-4', 'isolated'), null, 'isolated by the proxies, the new member did not get the write the others applied')
  cluster.network.heal()
  await eventuallyAt('nyc-4', 'isolated', 'i')

  const founder = cluster.replica('nyc-2')
  await founder.kill()
  founder.start()
  await office.call('kv.put', { key: 'after-restart', value: 'r' })
  await eventuallyAt('nyc-2', 'after-restart', 'r')
  t.same(crashes, [], 'no replica died on its own')
})
