/**
 * EphemeralCluster's config files as replicas come and go (no process is started here): ids are
 * never reused, every rewrite goes through `peerPort` (so a chaos harness's proxy routing survives
 * adding and removing replicas), and with inter-office delays a new replica is reached from the
 * other offices through a delaying proxy of its own, while a removed one loses its proxies.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'

const launcher = { command: process.execPath, args: ['--eval', ''] }

interface ConfigView {
  offices: Array<{ id: string; replicas: Array<{ id: string; port: number }> }>
}

const portsIn = (view: ConfigView) => Object.fromEntries(view.offices.flatMap((office) => office.replicas.map((replica) => [replica.id, replica.port])))

t.test('adding and removing replicas keeps every view routed through peerPort', async (t) => {
  /** A made-up routing: the port `from` must dial to reach `to`. */
  const route = (from: string, to: string) => 40_000 + [...`${from}>${to}`].reduce((sum, char) => sum + char.charCodeAt(0), 0)
  const cluster = await EphemeralCluster.create({ launcher, offices: [{ id: 'nyc', timeZone: 'America/New_York', replicas: 3 }], peerPort: (from, to) => route(from, to) })
  t.teardown(() => cluster.stop())
  const viewOf = async (node: string) => JSON.parse(await readFile(join(cluster.directory, `cluster.${node}.json`), 'utf8')) as ConfigView

  const joined = await cluster.addReplica('nyc', ['--join'], 23_456)
  t.equal(joined.nodeId, 'nyc-4')
  t.equal(portsIn(await viewOf('nyc-1'))['nyc-4'], route('nyc-1', 'nyc-4'), 'a founder reaches the new replica through its route')
  t.same(portsIn(await viewOf('nyc-4')), { 'nyc-1': route('nyc-4', 'nyc-1'), 'nyc-2': route('nyc-4', 'nyc-2'), 'nyc-3': route('nyc-4', 'nyc-3'), 'nyc-4': 23_456 }, 'the new replica at its own port, its peers at their routes')

  await cluster.removeReplica('nyc-2')
  t.same(Object.keys(portsIn(await viewOf('nyc-1'))), ['nyc-1', 'nyc-3', 'nyc-4'], 'the removed replica is gone from every view')
  t.same(portsIn(await viewOf('nyc-3'))['nyc-1'], route('nyc-3', 'nyc-1'), 'the others stay routed')
  await t.rejects(readFile(join(cluster.directory, 'cluster.nyc-2.json')), 'its own view is deleted')
  t.equal(cluster.nextReplicaId('nyc'), 'nyc-5', 'a removed id is not handed out again')
  await t.rejects(cluster.removeReplica('nyc-9'), /no replica nyc-9 in this cluster/)
  t.throws(() => cluster.nextReplicaId('tok'), /no office tok in this cluster/)
})

t.test('with inter-office delays a new replica gets its delaying proxies and a removed one loses them', async (t) => {
  const cluster = await EphemeralCluster.create({
    launcher,
    offices: [
      { id: 'nyc', timeZone: 'America/New_York', replicas: 3 },
      { id: 'lon', timeZone: 'Europe/London', replicas: 3 },
    ],
    interOfficeDelays: { 'nyc-lon': 35 },
  })
  t.teardown(() => cluster.stop())
  const joined = await cluster.addReplica('lon')
  const realPort = cluster.config.offices[1]?.replicas.find((replica) => replica.id === joined.nodeId)?.port
  const seenFromNyc = cluster.configFrom('nyc').offices[1]?.replicas.find((replica) => replica.id === 'lon-4')?.port
  t.ok(seenFromNyc !== undefined && seenFromNyc !== realPort, `nyc reaches lon-4 through a proxy (${seenFromNyc}), not at its port (${realPort})`)
  t.same(
    cluster.interOfficeLinkStats().filter((link) => link.to === 'lon-4').map((link) => [link.from, link.delayMs]),
    [['nyc', 35]],
    'with the delay between the offices',
  )
  await cluster.removeReplica('lon-1')
  t.same(cluster.interOfficeLinkStats().filter((link) => link.to === 'lon-1'), [], 'a removed replica has no proxy left')
  t.same(cluster.configFrom('nyc').offices[1]?.replicas.map((replica) => replica.id), ['lon-2', 'lon-3', 'lon-4'])
})
