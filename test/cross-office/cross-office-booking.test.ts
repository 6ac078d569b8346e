/**
 * Cross-office bookings on a real cluster of two offices (nyc, lon), three replica processes each:
 * a meeting commits in both offices or in neither; a participant office without a leader makes
 * the booking abort with a reason naming it and leaves nothing held; concurrent bookings of the
 * same people end with exactly one meeting and a definite answer for every request.
 */
import t, { type Test } from 'tap'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { CrossOfficeMethods } from '../../src/cross-office/xoffice-api.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { startTestCluster, type TestCluster } from '../integration/cluster-fixture.js'

t.setTimeout(240_000)

const DAY = { from: '2026-03-18T00:00:00Z', to: '2026-03-19T00:00:00Z' }

function crossOfficeClient(t: Test, cluster: TestCluster, office: string): ClusterClient<CrossOfficeMethods> {
  // One booking attempt may wait a whole prepare timeout for an office that does not answer.
  const client = new ClusterClient<CrossOfficeMethods>({ endpoints: officeClientUrls(cluster.config, office), attemptTimeoutMs: 10_000, callTimeoutMs: 30_000 })
  t.teardown(() => client.close())
  return client
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function meetingIn(cluster: TestCluster, office: string, id: string): Promise<boolean> {
  try {
    await cluster.client(office).call('meeting.get', { id })
    return true
  } catch (error) {
    if (error instanceof RpcError && error.code === 'NOT_FOUND') return false
    throw error
  }
}

/** Waits until the office has no transaction left open or prepared. */
async function quiet(cluster: TestCluster, office: string, x: ClusterClient<CrossOfficeMethods>) {
  return waitFor(`office ${office} to settle its cross-office transactions`, async () => {
    const stats = await x.call('xoffice.stats', {})
    return stats.openTransactions === 0 && stats.preparedHolds === 0 ? stats : undefined
  })
}

t.test('two offices: commit everywhere, conflict nowhere, a leaderless participant office aborts cleanly, races end with one winner', async (t) => {
  const cluster = await startTestCluster(t, { offices: ['nyc', 'lon'] })
  await Promise.all([cluster.waitForLeader('nyc'), cluster.waitForLeader('lon')])
  const nyc = cluster.client('nyc', 30_000)
  const lon = cluster.client('lon', 30_000)
  for (const id of ['alice', 'bob', 'carl']) await nyc.call('user.add', { id, office: 'nyc' })
  for (const id of ['lena', 'liam']) await lon.call('user.add', { id, office: 'lon' })
  const xnyc = crossOfficeClient(t, cluster, 'nyc')
  const xlon = crossOfficeClient(t, cluster, 'lon')

  await t.test('a meeting with attendees in nyc and lon is booked in both', async (t) => {
    const booked = await xnyc.call('xoffice.book', { organizer: 'alice', attendees: ['bob', 'lena'], start: '2026-03-18T10:00', durationMinutes: 60, title: 'plan' })
    if (booked.status !== 'booked') throw t.fail(`expected booked, got ${JSON.stringify(booked)}`)
    t.match(booked.id, /^mtg-nyc-\d+$/)
    await waitFor('the meeting in lon', async () => ((await meetingIn(cluster, 'lon', booked.id)) ? true : undefined))
    t.ok(await meetingIn(cluster, 'nyc', booked.id), 'the organizer office has it')
    for (const [client, user] of [[nyc, 'alice'], [nyc, 'bob'], [lon, 'lena']] as const) {
      const agenda = await client.call('calendar.agenda', { user, ...DAY })
      t.same(agenda.events.map((e) => [e.id, e.start]), [[booked.id, '2026-03-18T14:00:00.000Z']], `${user}'s calendar has it`)
    }
    const invited = await lon.call('notifications.poll', { user: 'lena', after: 0, waitMs: 0 })
    t.match(invited.notifications, [{ kind: 'invited', meetingId: booked.id, by: 'alice' }])
    await quiet(cluster, 'nyc', xnyc)
    await quiet(cluster, 'lon', xlon)
  })

  await t.test('a conflict in one office aborts everywhere, naming the busy person; nothing stays held', async (t) => {
    await lon.call('event.add', { user: 'liam', start: '2026-03-18T15:30', durationMinutes: 30, title: 'dentist' })
    const answer = await xnyc.call('xoffice.book', { organizer: 'carl', attendees: ['liam'], start: '2026-03-18T11:00', durationMinutes: 60, tz: 'America/New_York' })
    if (answer.status !== 'conflict') throw t.fail(`expected a conflict, got ${JSON.stringify(answer)}`)
    t.match(answer.conflicts, [{ user: 'liam', start: '2026-03-18T15:30:00.000Z', end: '2026-03-18T16:00:00.000Z' }])
    await quiet(cluster, 'nyc', xnyc)
    await quiet(cluster, 'lon', xlon)
    t.ok(!(await meetingIn(cluster, 'nyc', answer.transaction)) && !(await meetingIn(cluster, 'lon', answer.transaction)), 'no office has the meeting')
    const carl = await nyc.call('calendar.agenda', { user: 'carl', ...DAY })
    t.same(carl.events, [], "carl's hold was released")
  })

  await t.test('concurrent bookings of the same people across offices: exactly one wins, every request answered', async (t) => {
    const requests = Array.from({ length: 6 }, (_, i) => ({ organizer: 'carl', attendees: ['liam'], start: '2026-03-18T13:00', durationMinutes: 30, title: `race-${i}` }))
    const answers = await Promise.all(requests.map((request) => xnyc.call('xoffice.book', request).catch((error: Error) => error)))
    const errors = answers.filter((a) => a instanceof Error)
    t.same(errors.map((e) => e.message), [], 'every request got a definite answer')
    const booked = answers.filter((a) => !(a instanceof Error) && a.status === 'booked')
    t.equal(booked.length, 1, `exactly one booking won (${JSON.stringify(answers.map((a) => (a instanceof Error ? 'error' : a.status)))})`)
    await quiet(cluster, 'nyc', xnyc)
    await quiet(cluster, 'lon', xlon)
    const liam = await lon.call('calendar.agenda', { user: 'liam', from: '2026-03-18T17:00:00Z', to: '2026-03-18T18:00:00Z' })
    const carl = await nyc.call('calendar.agenda', { user: 'carl', from: '2026-03-18T17:00:00Z', to: '2026-03-18T18:00:00Z' })
    t.equal(liam.events.length, 1, 'liam has one meeting at that time')
    t.same(carl.events.map((e) => e.id), liam.events.map((e) => e.id), 'the same meeting in both offices')
  })

  await t.test('a participant office with no leader: abort with a reason naming it, nothing left held', async (t) => {
    await Promise.all(['lon-1', 'lon-2', 'lon-3'].map((id) => cluster.replicas.get(id)?.stop(3000)))
    const answer = await xnyc.call('xoffice.book', { organizer: 'alice', attendees: ['bob', 'lena'], start: '2026-03-19T10:00', durationMinutes: 30 })
    if (answer.status !== 'aborted') throw t.fail(`expected an abort, got ${JSON.stringify(answer)}`)
    t.match(answer.reason, /^office lon did not answer the prepare within \d+ ms/)
    await waitFor("nyc's holds to be released", async () => ((await xnyc.call('xoffice.stats', {})).preparedHolds === 0 ? true : undefined))
    const bob = await nyc.call('calendar.agenda', { user: 'bob', from: '2026-03-19T00:00:00Z', to: '2026-03-20T00:00:00Z' })
    t.same(bob.events, [], 'bob has nothing that day')
    t.equal((await xnyc.call('xoffice.stats', {})).openTransactions, 1, 'the abort still waits to reach lon')
    const free = await nyc.call('meeting.book', { organizer: 'alice', attendees: ['bob'], start: '2026-03-19T10:00', durationMinutes: 30 })
    t.equal(free.status, 'booked', 'the time is free again in nyc')
    cluster.startAll()
    await cluster.waitForLeader('lon')
    await quiet(cluster, 'nyc', xnyc)
    await quiet(cluster, 'lon', xlon)
    t.notOk(await meetingIn(cluster, 'lon', answer.transaction), 'lon never got the meeting')
  })
})
