/**
 * The replicated directory with real processes: two offices learn of each other's people, a third
 * office joins the running system (`dms office add`) and takes part in a cross-office booking, a
 * person moves between offices with their meetings (`dms office move-user`), and an unknown
 * person is a clear error.
 */
import t from 'tap'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { startTestCluster, type TestCluster } from './cluster-fixture.js'
import { runDms } from './run-dms.js'

const DAY = { from: '2026-03-18T00:00:00Z', to: '2026-03-19T00:00:00Z' }

/** Polls `look` until it returns `expected` (the directory publishes every pass, ~0.5 s). */
async function eventually<T>(look: () => Promise<T>, expected: T, what: string, cluster: TestCluster): Promise<void> {
  const deadline = Date.now() + 20_000
  let last: T | undefined
  while (Date.now() < deadline) {
    last = await look().catch(() => undefined)
    if (last === expected) return
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${what}: still ${String(last)} instead of ${String(expected)}; last logs:\n${cluster.logs.slice(-15).join('\n')}`)
}

t.test('directory: publication, a new office, a move, an unknown person', async (t) => {
  const cluster = await startTestCluster(t, { offices: ['nyc', 'lon'], replicaCount: 1 })
  await cluster.waitForLeader('nyc')
  await cluster.waitForLeader('lon')
  const before = new CalendarClient(cluster.config)
  t.teardown(() => before.close())
  await before.addUser({ id: 'alice', office: 'nyc' })
  await before.addUser({ id: 'bob', office: 'lon' })

  let asking = before
  const homeSeenBy = async (office: string, user: string): Promise<string | null> =>
    (await asking.office(office).call('directory.lookup', { users: [user] })).users[0]?.office ?? null
  await eventually(() => homeSeenBy('nyc', 'bob'), 'lon', "nyc's directory entry for bob", cluster)
  await eventually(() => homeSeenBy('lon', 'alice'), 'nyc', "lon's directory entry for alice", cluster)

  const unknown = await before.officeOf('nobody', 'attendees[0]').catch((error: unknown) => error)
  t.ok(unknown instanceof RpcError && unknown.code === 'NOT_FOUND', 'an unknown person is NOT_FOUND')
  t.match((unknown as Error).message, /attendees\[0\]: no office has a user "nobody"/)

  // A third office joins: its replicas start, then every running office is told about it.
  const tokyo = await cluster.addOffice({ id: 'tok', timeZone: 'Asia/Tokyo', replicas: 1 })
  for (const replica of tokyo) replica.start()
  await cluster.waitForLeader('tok')
  const added = await runDms(['office', 'add', '--office', 'tok', '--config', cluster.configPath, '--json'])
  t.equal(added.code, 0, added.stderr)
  t.same(JSON.parse(added.stdout), { office: 'tok', announcedTo: ['nyc', 'lon'] })
  const client = new CalendarClient(cluster.config)
  t.teardown(() => client.close())
  asking = client
  await client.addUser({ id: 'chika', office: 'tok' })
  await eventually(() => homeSeenBy('nyc', 'chika'), 'tok', "nyc's directory entry for chika", cluster)
  await eventually(() => homeSeenBy('tok', 'bob'), 'lon', "tok's directory entry for bob (published to the new office)", cluster)
  t.same((await before.office('nyc').call('directory.offices', {})).offices.map((o) => o.id).sort(), ['lon', 'nyc', 'tok'], 'nyc knows the new office without a restart')

  // The organizer's office (started before tok existed) coordinates a booking that includes tok.
  const booked = await client.book({ organizer: 'alice', attendees: ['bob', 'chika'], start: '2026-03-18T09:00', durationMinutes: 60, title: 'three offices' })
  t.match(booked, { id: /^mtg-nyc-/, status: 'booked' })
  const meetingId = booked.id as string
  // The client is answered once the decision is durable; tok applies the commit right after.
  await eventually(async () => (await client.agenda({ user: 'chika', ...DAY })).events.some((e) => e.meetingId === meetingId), true, "the meeting in chika's calendar in tok", cluster)

  // A meeting of nyc and lon only: tok has no record of it until bob's move brings a copy.
  const pair = await client.book({ organizer: 'alice', attendees: ['bob'], start: '2026-03-18T11:00', durationMinutes: 30, title: 'two offices' })
  t.match(pair, { id: /^mtg-nyc-/, status: 'booked' })
  const pairId = pair.id as string
  await eventually(async () => (await client.agenda({ user: 'bob', ...DAY })).events.some((e) => e.meetingId === pairId), true, "the pair meeting in bob's calendar in lon", cluster)

  // bob moves from lon to tok with his calendar.
  const moved = await runDms(['office', 'move-user', '--user', 'bob', '--to', 'tok', '--config', cluster.configPath, '--json'])
  t.equal(moved.code, 0, moved.stderr)
  t.match(JSON.parse(moved.stdout), { user: 'bob', from: 'lon', to: 'tok', status: 'moved' })
  await eventually(() => homeSeenBy('nyc', 'bob'), 'tok', "nyc's directory entry for bob after the move", cluster)
  const fresh = new CalendarClient(cluster.config)
  t.teardown(() => fresh.close())
  t.equal(await fresh.officeOf('bob'), 'tok', 'lookups route to the new office')
  t.match((await fresh.agenda({ user: 'bob', ...DAY })).events, [{ meetingId }], 'the meeting that includes bob still shows up')
  t.equal((await fresh.getUser('bob')).office, 'tok')
  t.match((await before.agenda({ user: 'bob', ...DAY })).events, [{ meetingId }], 'a client that remembered lon (and predates tok) is routed to tok')
  const gone = await fresh.office('lon').call('user.get', { id: 'bob' }).catch((error: unknown) => error)
  t.ok(gone instanceof RpcError && gone.code === 'NOT_FOUND', 'lon no longer holds bob')

  const again = await fresh.book({ organizer: 'alice', attendees: ['bob'], start: '2026-03-18T09:00', durationMinutes: 30, title: 'after the move' })
  t.match(again, { id: null, status: 'conflict' })
  t.ok(again.conflicts?.some((c) => c.user === 'bob' && c.eventId === meetingId), "bob's moved meeting still blocks his time in tok")

  // Changes to meetings that include bob reach him in tok: attendees are placed by the directory.
  const cancelled = await fresh.cancel({ id: pairId })
  t.match(cancelled, { status: 'cancelled', notified: ['bob'] })
  await eventually(async () => (await fresh.agenda({ user: 'bob', ...DAY })).events.some((e) => e.meetingId === pairId), false, "the cancelled pair meeting gone from bob's calendar in tok", cluster)
  await fresh.cancel({ id: meetingId })
  await eventually(async () => (await fresh.agenda({ user: 'bob', ...DAY })).events.length, 0, "bob's calendar after both cancellations", cluster)
  t.equal((await fresh.agenda({ user: 'chika', ...DAY })).events.length, 0, "chika's copy is cancelled too")

  const refused = await runDms(['office', 'move-user', '--user', 'bob', '--to', 'mars', '--config', cluster.configPath, '--json'])
  t.not(refused.code, 0)
  t.match(refused.stderr, /to: unknown office "mars"/)
})
