/**
 * Growing and shrinking a running office through the CLI: a fourth replica joins as a learner,
 * catches up and is promoted; an original replica is removed; the office keeps serving writes and
 * the new member holds everything written before it joined.
 */
import t from 'tap'
import { startTestCluster } from './cluster-fixture.js'
import { runDms } from './run-dms.js'

t.setTimeout(180_000)

t.test('add a fourth replica and remove one, through dms office', async (t) => {
  const cluster = await startTestCluster(t)
  await cluster.waitForLeader('nyc')
  const client = cluster.client('nyc')
  for (let i = 0; i < 50; i++) await client.call('kv.put', { key: `before-${i}`, value: String(i) })

  const joiner = await cluster.addReplica('nyc', ['--join'])
  joiner.start()
  const added = await runDms(['office', 'add-replica', '--office', 'nyc', '--id', 'nyc-4', '--config', cluster.configPath, '--json'])
  t.equal(added.code, 0, `add-replica succeeded: ${added.stderr}`)
  t.same(JSON.parse(added.stdout), { office: 'nyc', id: 'nyc-4', role: 'voter' })

  const status = await runDms(['status', '--config', cluster.configPath, '--json'])
  const office = JSON.parse(status.stdout).offices[0]
  t.same(office.members.map((m: { id: string; up: boolean }) => [m.id, m.up]), [['nyc-1', true], ['nyc-2', true], ['nyc-3', true], ['nyc-4', true]])

  const typo = await runDms(['office', 'remove-replica', '--office', 'nyc', '--id', 'nyc-9', '--config', cluster.configPath, '--json'])
  t.not(typo.code, 0, 'removing a replica that is not a member fails')
  t.match(typo.stderr, /--id: nyc-9 is not a member of nyc/)
  const removed = await runDms(['office', 'remove-replica', '--office', 'nyc', '--id', 'nyc-1', '--config', cluster.configPath, '--json'])
  t.equal(removed.code, 0, `remove-replica succeeded: ${removed.stderr}`)
  await cluster.replicas.get('nyc-1')!.stop()
  const leader = await cluster.waitForLeader('nyc', { exclude: 'nyc-1' })
  t.ok(['nyc-2', 'nyc-3', 'nyc-4'].includes(leader.leader!), `the office is led by a remaining member (${leader.leader})`)

  await client.call('kv.put', { key: 'after', value: 'yes' })
  // With nyc-1 gone, a majority of {nyc-2, nyc-3, nyc-4} needs nyc-4: the write proves it votes and stores.
  await cluster.replicas.get('nyc-2')!.stop()
  const last = await cluster.waitForLeader('nyc', { exclude: 'nyc-2' })
  t.ok(['nyc-3', 'nyc-4'].includes(last.leader!), `nyc-3 and nyc-4 form the majority (leader ${last.leader})`)
  const before = await client.call('kv.range', { prefix: 'before-', limit: 100 })
  t.equal(before.entries.length, 50, 'everything written before nyc-4 joined is served by the new majority')
  t.same((await client.call('kv.get', { key: 'after' })).value, 'yes')
})
