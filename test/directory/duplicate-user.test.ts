/**
 * User ids are unique across offices, with real processes: `dms user add` refuses an id another
 * office holds, naming it; two offices adding one id at once settle on the lower office id, and
 * the other office's person is flagged in its directory lookups.
 */
import t from 'tap'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { startTestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'
import { pollUntil } from './poll-until.js'

t.test('an id held by another office is refused; a race is settled the same way everywhere', async (t) => {
  const cluster = await startTestCluster(t, { offices: ['nyc', 'lon'], replicaCount: 1 })
  await cluster.waitForLeader('nyc')
  await cluster.waitForLeader('lon')
  const client = new CalendarClient(cluster.config)
  t.teardown(() => client.close())
  const lookup = async (office: string, user: string) => {
    const [location] = (await client.office(office).call('directory.lookup', { users: [user] })).users
    if (location === undefined) throw new Error(`${office} answered no location for ${user}`)
    return location
  }

  await client.addUser({ id: 'alice', office: 'nyc' })
  await pollUntil(() => lookup('lon', 'alice'), (l) => l.office === 'nyc', "lon's directory entry for alice")
  const refused = await runDms(['user', 'add', '--id', 'alice', '--office', 'lon', '--config', cluster.configPath, '--json'])
  t.not(refused.code, 0, 'dms user add fails')
  t.match(refused.stderr, /user "alice" already exists in office nyc; user ids are unique across offices/)
  t.equal(refused.stdout, '', 'and prints no result')
  t.same(await lookup('lon', 'alice'), { id: 'alice', office: 'nyc', epoch: 1, movingTo: null, duplicateOf: null }, 'lon still places alice in nyc')
  await t.rejects(client.addUser({ id: 'alice', office: 'lon' }), { code: 'BAD_REQUEST', message: /user\.add: id: user "alice" already exists in office nyc/ }, 'the office itself refuses it too (a client that does not ask first)')

  // The CLI asks every office first, so an id is refused before its office has published it.
  await client.addUser({ id: 'bea', office: 'nyc' })
  const early = await runDms(['user', 'add', '--id', 'bea', '--office', 'lon', '--config', cluster.configPath, '--json'])
  t.match(early.stderr, /--id: user "bea" already exists in office nyc/, 'refused at once by dms user add')

  // Both offices add "dana" before either has heard of the other's: both may succeed.
  const outcomes = await Promise.allSettled([client.addUser({ id: 'dana', office: 'nyc' }), client.addUser({ id: 'dana', office: 'lon' })])
  t.ok(outcomes.some((o) => o.status === 'fulfilled'), 'at least one office added dana')
  const atLon = await pollUntil(() => lookup('lon', 'dana'), (l) => l.office === 'lon', "lon's entry for dana")
  t.equal(atLon.duplicateOf, null, 'the winner is not flagged')
  const atNyc = await pollUntil(() => lookup('nyc', 'dana'), (l) => l.office === 'lon' || l.duplicateOf === 'lon', "nyc settling on lon's dana")
  if (outcomes[0]?.status === 'fulfilled') t.same(atNyc, { id: 'dana', office: 'nyc', epoch: 1, movingTo: null, duplicateOf: 'lon' }, "nyc's own dana is flagged as the duplicate")
  else t.equal(atNyc.office, 'lon', 'nyc refused its dana and places the id in lon')
})
