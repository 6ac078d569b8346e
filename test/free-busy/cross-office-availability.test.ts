/**
 * Availability and suggestions across offices on real processes (nyc and lon, one replica each):
 * the answer equals a one-office computation over the same calendars (twins of the London people
 * living in nyc with London's zone and hours); with a staleness bound a repeated query is served
 * from nyc's cache without calling lon; a change in lon reaches the cache through lon's change
 * stream and the next query reads lon again; without a bound every query reads lon.
 */
import t from 'tap'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { startTestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'

t.setTimeout(180_000)

const WINDOW = { from: '2026-03-16T00:00:00Z', to: '2026-03-21T00:00:00Z' }

async function eventually<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 20_000
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

t.test('cross-office availability and propose: same answer as one office, cached, invalidated by a change', async (t) => {
  const cluster = await startTestCluster(t, { offices: ['nyc', 'lon'], replicaCount: 1 })
  await Promise.all([cluster.waitForLeader('nyc'), cluster.waitForLeader('lon')])
  const client = new CalendarClient(cluster.config)
  t.teardown(() => client.close())
  const london = { tz: 'Europe/London', weekly: { '1': [{ start: '09:00', end: '17:00' }], '2': [{ start: '09:00', end: '17:00' }], '3': [{ start: '09:00', end: '17:00' }], '4': [{ start: '09:00', end: '17:00' }], '5': [{ start: '09:00', end: '17:00' }] }, lunch: { start: '12:00', end: '13:00' } }
  for (const id of ['alice', 'bob']) await client.addUser({ id, office: 'nyc' })
  for (const id of ['lena', 'liam']) await client.addUser({ id, office: 'lon' })
  // Twins: the same people, living in nyc, with London's zone and hours.
  for (const id of ['nlena', 'nliam']) await client.addUser({ id, office: 'nyc', ...london })
  const events: Array<[string, string, string]> = [
    ['alice', '2026-03-16T14:00:00Z', '2026-03-16T16:00:00Z'],
    ['bob', '2026-03-17T13:30:00Z', '2026-03-17T15:00:00Z'],
    ['lena', '2026-03-16T09:00:00Z', '2026-03-16T11:00:00Z'],
    ['lena', '2026-03-17T14:00:00Z', '2026-03-17T16:00:00Z'],
    ['liam', '2026-03-16T15:00:00Z', '2026-03-16T17:00:00Z'],
  ]
  for (const [user, start, end] of events) {
    await client.addEvent({ user, start, end, title: 'private' })
    if (user.startsWith('l')) await client.addEvent({ user: `n${user}`, start, end, title: 'private' })
  }

  const request = { organizer: 'alice', durationMinutes: 60, ...WINDOW, limit: 10 }
  const across = await client.suggest({ ...request, attendees: ['bob', 'lena', 'liam'] })
  const oneOffice = await client.suggest({ ...request, attendees: ['bob', 'nlena', 'nliam'] })
  const untwin = (ids: readonly string[]) => ids.map((id) => (id.startsWith('nl') ? id.slice(1) : id))
  t.ok(across.suggestions.length > 0, 'there are suggestions')
  t.same(
    across.suggestions.map((s) => ({ ...s, free: untwin(s.free), busy: untwin(s.busy) })),
    oneOffice.suggestions.map((s) => ({ ...s, free: untwin(s.free), busy: untwin(s.busy) })),
    'suggestions across offices equal the one-office computation',
  )

  const linearizable = await client.availability({ users: ['alice', 'lena', 'liam'], ...WINDOW })
  const twins = await client.availability({ users: ['alice', 'nlena', 'nliam'], ...WINDOW })
  t.same(linearizable.users.map((u) => ({ ...u, id: untwin([u.id])[0] })), twins.users.map((u) => ({ ...u, id: untwin([u.id])[0] })), 'free/busy across offices equals the twins')
  t.same(linearizable.sources.map((s) => [s.office, s.from]).sort(), [['lon', 'remote'], ['nyc', 'local']], 'without a bound lon is read')
  t.notMatch(JSON.stringify(linearizable), /private/, 'no titles cross offices')

  const bounded = { users: ['alice', 'lena', 'liam'], ...WINDOW, maxStalenessMs: 60_000 }
  await client.availability(bounded)
  const nyc = client.office('nyc')
  const before = await nyc.call('calendar.freeBusyStats', {})
  const warm = await client.availability(bounded)
  const after = await nyc.call('calendar.freeBusyStats', {})
  t.same(warm.sources.map((s) => [s.office, s.from]).sort(), [['lon', 'cache'], ['nyc', 'local']], 'a repeated bounded query is served from the cache')
  t.equal(warm.rpcs, 0, 'and sends nothing to lon')
  t.equal(after.rpcs - before.rpcs, 0)
  t.equal(after.cache.hits - before.cache.hits, 2, 'two cache hits (lena, liam)')
  t.same(warm.users, linearizable.users, 'the cached answer is the same')
  t.ok(after.feeds.some((f) => f.office === 'lon'), "nyc follows lon's change stream")

  await client.addEvent({ user: 'lena', start: '2026-03-18T10:00:00Z', end: '2026-03-18T11:00:00Z' })
  await eventually('the change to reach nyc through the change stream', async () => {
    const stats = await nyc.call('calendar.freeBusyStats', {})
    return stats.cache.invalidated > after.cache.invalidated ? stats : undefined
  })
  const changed = await client.availability(bounded)
  t.same(changed.sources.map((s) => [s.office, s.from, s.users]).sort(), [['lon', 'cache', 1], ['lon', 'remote', 1], ['nyc', 'local', 1]], 'lena is read again, liam still cached')
  const lena = changed.users.find((u) => u.id === 'lena')!
  t.ok(lena.busy.some((b) => b.start === '2026-03-18T10:00:00.000Z'), 'the new event shows')

  const crossSuggest = await client.suggest({ ...request, attendees: ['bob', 'lena', 'liam'], maxStalenessMs: 60_000 })
  t.ok(crossSuggest.suggestions.every((s) => !(s.start < '2026-03-18T11:00:00.000Z' && s.end > '2026-03-18T10:00:00.000Z')), 'suggestions avoid the new event')

  await t.rejects(client.availability({ users: ['alice', 'nobody'], ...WINDOW }), /users\[1\]: no office has a user "nobody"/, 'an unknown person is named')

  const config = ['--config', cluster.configPath]
  const cli = await runDms(['availability', ...config, '--users', 'alice,lena', '--from', WINDOW.from, '--to', WINDOW.to, '--max-staleness-ms', '60000', '--json'])
  t.equal(cli.code, 0, cli.stderr)
  const printed = JSON.parse(cli.stdout) as { users: Array<{ id: string; busy: unknown[]; working: unknown[] }> }
  t.same(printed.users.map((u) => u.id), ['alice', 'lena'], 'dms availability --json across offices')
  t.ok(printed.users.every((u) => Array.isArray(u.busy) && Array.isArray(u.working)))
  const proposed = await runDms(['meeting', 'propose', ...config, '--organizer', 'alice', '--attendees', 'bob,lena,liam', '--duration', '60', '--from', WINDOW.from, '--to', WINDOW.to, '--json'])
  t.equal(proposed.code, 0, proposed.stderr)
  const suggestions = JSON.parse(proposed.stdout) as { suggestions: Array<{ start: string; free: string[] }>; explanation: string | null }
  t.ok(suggestions.suggestions.length > 0 && suggestions.explanation === null, 'dms meeting propose --json across offices')
  const bad = await runDms(['availability', ...config, '--users', 'alice', '--from', WINDOW.from, '--to', WINDOW.to, '--max-staleness-ms', 'soon'])
  t.not(bad.code, 0)
  t.match(bad.stderr, /--max-staleness-ms/, 'a bad staleness bound is named')
})
