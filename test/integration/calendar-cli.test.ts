/**
 * The contract's calendar commands end to end: the real `dms` CLI against a real two-office
 * cluster, JSON parsed and checked field by field.
 */
import t from 'tap'
import { startTestCluster } from './cluster-fixture.js'
import { runDms } from './run-dms.js'

t.test('calendar commands through the CLI', async (t) => {
  const cluster = await startTestCluster(t, { offices: ['nyc', 'lon'] })
  await cluster.waitForLeader('nyc')
  await cluster.waitForLeader('lon')
  const dms = async (...args: string[]): Promise<unknown> => {
    const run = await runDms([...args, '--config', cluster.configPath, '--json'])
    if (run.code !== 0) throw new Error(`dms ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
    return JSON.parse(run.stdout)
  }

  t.match(await dms('user', 'add', '--id', 'alice', '--office', 'nyc'), { id: 'alice', office: 'nyc', tz: 'America/New_York' })
  t.match(await dms('user', 'add', '--id', 'bob', '--office', 'nyc', '--hours', '08:00-16:00', '--days', 'Mon-Thu'), { id: 'bob', office: 'nyc', tz: 'America/New_York' })
  t.match(await dms('user', 'add', '--id', 'chika', '--office', 'nyc', '--tz', 'Asia/Tokyo', '--lunch', 'none'), { id: 'chika', tz: 'Asia/Tokyo' })
  t.match(await dms('user', 'add', '--id', 'dave', '--office', 'lon'), { id: 'dave', office: 'lon', tz: 'Europe/London' })

  const added = (await dms('event', 'add', '--user', 'bob', '--start', '2026-03-18T09:30', '--end', '2026-03-18T10:30', '--title', 'dentist')) as { id: string; user: string }
  t.match(added, { id: /^evt-/, user: 'bob' })

  const conflict = await dms('meeting', 'book', '--organizer', 'alice', '--attendees', 'bob,chika', '--start', '2026-03-18T10:00', '--duration', '60', '--title', 'plan')
  t.match(conflict, { id: null, status: 'conflict', conflicts: [{ user: 'bob', start: '2026-03-18T13:30:00.000Z', end: '2026-03-18T14:30:00.000Z', eventId: added.id }] })

  const booked = (await dms('meeting', 'book', '--organizer', 'alice', '--attendees', 'bob,chika', '--start', '2026-03-18T11:00', '--duration', '60', '--title', 'plan')) as { id: string; status: string }
  t.match(booked, { id: /^mtg-nyc-/, status: 'booked' })
  const forced = await dms('meeting', 'book', '--organizer', 'chika', '--attendees', 'bob', '--start', '2026-03-18T15:30:00Z', '--duration', '30', '--override')
  t.match(forced, { status: 'booked', warnings: [/^chika is busy 2026-03-18T15:00:00.000Z/, /^bob is busy 2026-03-18T15:00:00.000Z/] }, 'the organizer was busy too')

  const agenda = (await dms('agenda', '--user', 'bob', '--from', '2026-03-18T00:00:00Z', '--to', '2026-03-19T00:00:00Z')) as { events: unknown[] }
  t.match(agenda.events, [
    { id: added.id, start: '2026-03-18T13:30:00.000Z', end: '2026-03-18T14:30:00.000Z', title: 'dentist', meetingId: null },
    { id: booked.id, start: '2026-03-18T15:00:00.000Z', end: '2026-03-18T16:00:00.000Z', title: 'plan', meetingId: booked.id },
    { start: '2026-03-18T15:30:00.000Z', end: '2026-03-18T16:00:00.000Z' },
  ])

  const availability = await dms('availability', '--users', 'bob,dave', '--from', '2026-03-18T00:00:00Z', '--to', '2026-03-19T00:00:00Z')
  t.same(availability, {
    users: [
      {
        id: 'bob',
        tz: 'America/New_York',
        busy: [{ start: '2026-03-18T13:30:00.000Z', end: '2026-03-18T14:30:00.000Z' }, { start: '2026-03-18T15:00:00.000Z', end: '2026-03-18T16:00:00.000Z' }],
        tentative: [],
        working: [{ start: '2026-03-18T12:00:00.000Z', end: '2026-03-18T16:00:00.000Z' }, { start: '2026-03-18T17:00:00.000Z', end: '2026-03-18T20:00:00.000Z' }],
        validUntilMs: null,
      },
      {
        id: 'dave',
        tz: 'Europe/London',
        busy: [],
        tentative: [],
        working: [{ start: '2026-03-18T09:00:00.000Z', end: '2026-03-18T12:00:00.000Z' }, { start: '2026-03-18T13:00:00.000Z', end: '2026-03-18T17:00:00.000Z' }],
        validUntilMs: null,
      },
    ],
    // nyc answered: bob from its own state, dave with one call to lon.
    sources: [{ office: 'nyc', users: 1, from: 'local' }, { office: 'lon', users: 1, from: 'remote' }],
    rpcs: 1,
  }, 'busy merged without titles; working time in each person\'s zone, lunch cut out')

  const proposal = (await dms('meeting', 'propose', '--organizer', 'alice', '--attendees', 'bob', '--duration', '30', '--from', '2026-03-18T12:00:00Z', '--to', '2026-03-18T16:00:00Z')) as { suggestions: Array<{ start: string; free: string[] }>; explanation: string | null }
  t.equal(proposal.explanation, null)
  t.ok(proposal.suggestions.length > 0 && proposal.suggestions.every((s) => s.free.includes('alice') && s.free.includes('bob')))
  const none = (await dms('meeting', 'propose', '--organizer', 'alice', '--attendees', 'bob', '--duration', '30', '--from', '2026-03-21T12:00:00Z', '--to', '2026-03-21T20:00:00Z')) as { suggestions: unknown[]; explanation: string | null }
  t.same(none.suggestions, [])
  t.type(none.explanation, 'string', 'a Saturday has no working time: explained')

  t.match(await dms('meeting', 'respond', booked.id, '--user', 'chika', '--response', 'decline'), { id: booked.id, responses: { chika: 'declined', bob: 'needs-action' } })
  t.match(await dms('meeting', 'show', booked.id), { id: booked.id, status: 'booked', organizer: 'alice', attendees: ['bob', 'chika'], start: '2026-03-18T15:00:00.000Z', version: 2 })
  const users = (await dms('user', 'list', '--office', 'nyc')) as { users: Array<{ id: string }> }
  t.same(users.users.map((u) => u.id), ['alice', 'bob', 'chika'])
  t.match(await dms('user', 'show', 'bob'), { id: 'bob', schedule: { weekly: { 1: [{ start: '08:00', end: '16:00' }], 5: [] }, lunch: { start: '12:00', end: '13:00' } } })
  const recurring = (await dms('event', 'add', '--user', 'alice', '--start', '2026-03-02T08:00', '--end', '2026-03-02T08:30', '--rule', 'RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4')) as { id: string }
  t.match(await dms('event', 'list', '--user', 'alice'), { user: 'alice', events: [{ id: recurring.id, rules: ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4'] }] })
  t.match(await dms('event', 'delete', recurring.id, '--user', 'alice', '--expected-version', '1'), { id: recurring.id, deleted: true })
  const stale = await runDms(['event', 'delete', added.id, '--user', 'bob', '--expected-version', '5', '--config', cluster.configPath])
  t.match(stale.stderr, /is at version 1, not the expected 5/)
  const cancelled = await dms('meeting', 'cancel', booked.id)
  t.same(cancelled, { id: booked.id, status: 'cancelled', occurrence: null, notified: ['bob', 'chika'], version: 3, transaction: null })

  const watch = (await runDms(['watch', '--user', 'chika', '--count', '2', '--config', cluster.configPath, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; kind: string })
  t.same(watch.map((n) => [n.seq, n.kind]), [[1, 'invited'], [2, 'cancelled']])
  const alice = (await runDms(['watch', '--user', 'alice', '--count', '1', '--config', cluster.configPath, '--json'])).stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; by: string })
  t.match(alice, [{ kind: 'responded', by: 'chika' }], 'the organizer hears about answers')

  const cross = await runDms(['meeting', 'book', '--organizer', 'alice', '--attendees', 'dave', '--start', '2026-03-19T10:00', '--duration', '30', '--config', cluster.configPath, '--json'])
  t.equal(cross.code, 0, cross.stderr)
  t.match(JSON.parse(cross.stdout), { id: /^mtg-nyc-\d+$/, status: 'booked' }, 'an attendee in another office is booked through two-phase commit')
  const bad = await runDms(['event', 'add', '--user', 'bob', '--start', '2026-02-30T10:00', '--end', '2026-03-01T10:00', '--config', cluster.configPath])
  t.not(bad.code, 0)
  t.match(bad.stderr, /start: "2026-02-30T10:00"/)
  t.equal(bad.stderr.trim().split('\n').length, 1, 'one line')
  const unknown = await runDms(['agenda', '--user', 'zed', '--from', '2026-03-18T00:00:00Z', '--to', '2026-03-19T00:00:00Z', '--config', cluster.configPath])
  t.match(unknown.stderr, /user: no office has a user "zed"/)
})
