/**
 * What an attendee in another office sees and does, on a real cluster of two offices (nyc, lon),
 * three replica processes each: the conflict report of a proposed meeting covers attendees of both
 * offices (others' free/busy only, through the library and the `dms meeting conflicts` CLI); an
 * attendee in lon answers an nyc meeting through their own office and the answer is in both
 * offices, survives a leader kill in each, and reaches the organizer; a series with one occurrence
 * moved exports as .ics (RECURRENCE-ID override) and imports back to the same occurrences; a lon
 * follower cut off from its leader answers reads that accept staleness and refuses linearizable ones.
 */
import t from 'tap'
import { expandEvent } from '../../src/calendar/availability/event-occurrences.js'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { importCalendar } from '../../src/ical/index.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { clientUrl } from '../../src/rpc/endpoint-urls.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { startTestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'

t.setTimeout(300_000)

const DAY = { from: '2026-03-18T00:00:00Z', to: '2026-03-20T00:00:00Z' }

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

t.test('cross-office conflicts, responses and follower reads', async (t) => {
  const cluster = await startTestCluster(t, { offices: ['nyc', 'lon'] })
  await Promise.all([cluster.waitForLeader('nyc'), cluster.waitForLeader('lon')])
  const client = new CalendarClient(cluster.config, { callTimeoutMs: 30_000 })
  t.teardown(() => client.close())
  for (const id of ['alice', 'bob']) await client.addUser({ id, office: 'nyc' })
  await client.addUser({ id: 'lena', office: 'lon' })
  const dentist = await client.addEvent({ user: 'lena', start: '2026-03-18T14:00', durationMinutes: 60, title: 'dentist' })
  const standup = await client.addEvent({ user: 'alice', start: '2026-03-18T10:00', durationMinutes: 15, title: 'standup' })
  /** A replica's own client, no redirects followed: what that one process answers. */
  const replicaClient = (nodeId: string, callTimeoutMs: number) => {
    const replica = cluster.config.offices.flatMap((o) => o.replicas).find((r) => r.id === nodeId)!
    const one = new ClusterClient<OfficeMethods>({ endpoints: [clientUrl(replica, false)], callTimeoutMs })
    t.teardown(() => one.close())
    return one
  }

  await t.test('the conflict report covers attendees of every office, naming only the organizer\'s own events', async (t) => {
    const proposal = { organizer: 'alice', attendees: ['bob', 'lena'], start: '2026-03-18T10:00', durationMinutes: 60 }
    const report = await client.conflicts(proposal)
    t.match(report, { start: '2026-03-18T14:00:00.000Z', end: '2026-03-18T15:00:00.000Z', fits: false, free: ['bob'], busy: ['alice', 'lena'] })
    const lenaWarning = report.warnings.find((w) => w.startsWith('lena'))
    t.match(lenaWarning, /^lena \(required\): busy at 2026-03-18/, 'lena, in lon, is busy')
    t.notOk(lenaWarning?.includes(dentist.id), "lena's event id is not shown to the organizer")
    t.ok(report.warnings.some((w) => w.startsWith('alice') && w.includes(standup.id)), "alice's own conflict names her event")

    const run = await runDms(['meeting', 'conflicts', '--organizer', 'alice', '--attendees', 'bob,lena', '--start', '2026-03-18T10:00', '--duration', '60', '--config', cluster.configPath, '--json'])
    t.equal(run.code, 0, run.stderr)
    t.same(JSON.parse(run.stdout), report, 'the CLI prints the same report')
    const free = await client.conflicts({ ...proposal, start: '2026-03-18T11:00' })
    t.match(free, { fits: true, busy: [], warnings: [] }, 'an hour later everyone is free')
    const unknown = await client.conflicts({ ...proposal, attendees: ['bob', 'nobody'] }).catch((error: unknown) => error)
    t.match(unknown, { code: 'NOT_FOUND', message: /attendees\[1\]: no office has a user "nobody"/ })
  })

  let meetingId = ''
  await t.test("lena answers alice's meeting through lon; both offices record it, alice is told", async (t) => {
    const booked = await client.book({ organizer: 'alice', attendees: ['bob', 'lena'], start: '2026-03-19T10:00', durationMinutes: 60, title: 'plan' })
    if (booked.status !== 'booked' || booked.id === null) throw t.fail(`expected booked, got ${JSON.stringify(booked)}`)
    meetingId = booked.id
    await eventually('the meeting in lon', async () => (await cluster.client('lon').call('meeting.get', { id: meetingId })).id)
    const answered = await client.respond({ id: meetingId, user: 'lena', response: 'declined' })
    t.equal(answered.responses['lena'], 'declined')
    for (const office of ['nyc', 'lon']) {
      const seen = await cluster.client(office).call('meeting.get', { id: meetingId })
      t.equal(seen.responses['lena'], 'declined', `${office}'s copy has lena's answer`)
    }
    const lenaBusy = await client.availability({ users: ['lena'], from: '2026-03-19T00:00:00Z', to: '2026-03-20T00:00:00Z' })
    t.same(lenaBusy.users[0]?.busy, [], 'a declined meeting no longer blocks her time')
    const told = await cluster.client('nyc').call('notifications.poll', { user: 'alice', after: 0, waitMs: 0 })
    t.match(told.notifications, [{ kind: 'responded', meetingId, by: 'lena' }], 'alice, the organizer, is notified once')
    t.equal(told.notifications.filter((n) => n.kind === 'responded').length, 1)
    const direct = await cluster.client('nyc').call('meeting.respond', { id: meetingId, user: 'lena', response: 'accepted' }).catch((error: unknown) => error)
    t.match(direct, { code: 'BAD_REQUEST', message: /attendees in other offices \(lena\); answer it with xoffice\.respond/ }, 'the one-office method refuses instead of updating one copy')
  })

  await t.test('answers survive leader kills in either office', async (t) => {
    const nycLeader = (await cluster.waitForLeader('nyc')).leader!
    await cluster.replicas.get(nycLeader)!.kill()
    await cluster.waitForLeader('nyc', { exclude: nycLeader })
    const afterKill = await cluster.client('nyc').call('meeting.get', { id: meetingId })
    t.equal(afterKill.responses['lena'], 'declined', "nyc's new leader has the answer")
    cluster.replicas.get(nycLeader)!.start()

    const lonLeader = (await cluster.waitForLeader('lon')).leader!
    await cluster.replicas.get(lonLeader)!.kill()
    // Taken while lon elects a new leader: the client retries with the same request id.
    const answered = await client.respond({ id: meetingId, user: 'lena', response: 'accepted' })
    t.equal(answered.responses['lena'], 'accepted')
    cluster.replicas.get(lonLeader)!.start()
    for (const office of ['nyc', 'lon']) {
      const seen = await cluster.client(office).call('meeting.get', { id: meetingId })
      t.equal(seen.responses['lena'], 'accepted', `${office}'s copy has the new answer`)
    }
    const told = await cluster.client('nyc').call('notifications.poll', { user: 'alice', after: 0, waitMs: 0 })
    t.same(told.notifications.filter((n) => n.kind === 'responded').map((n) => n.message), ['lena declined "plan"', 'lena accepted "plan"'], 'each answer reached alice once')
  })

  await t.test('two answers taken at once end alike in both copies: the later stamp wins everywhere', async (t) => {
    const answers = await Promise.all((['tentative', 'declined'] as const).map((response) => client.respond({ id: meetingId, user: 'lena', response })))
    const copies = await Promise.all(['nyc', 'lon'].map((office) => cluster.client(office).call('meeting.get', { id: meetingId })))
    const [nyc, lon] = copies.map((m) => ({ response: m.responses['lena'], version: m.version }))
    t.same(nyc, lon, 'same answer and version in nyc and lon')
    t.ok(answers.some((a) => a.responses['lena'] === nyc?.response), 'the answer kept is one of the two')
    const again = await client.respond({ id: meetingId, user: 'lena', response: 'accepted' })
    t.equal(again.responses['lena'], 'accepted', 'an answer after both is stamped above them')
    for (const office of ['nyc', 'lon']) t.equal((await cluster.client(office).call('meeting.get', { id: meetingId })).responses['lena'], 'accepted', `${office} has it`)
  })

  await t.test('a cross-office series with one occurrence moved exports as .ics with a RECURRENCE-ID override that imports back to the same occurrences', async (t) => {
    const series = await client.book({ organizer: 'alice', attendees: ['lena'], start: '2026-03-23T10:00', durationMinutes: 60, title: 'weekly', rules: ['RRULE:FREQ=WEEKLY;COUNT=3'] })
    if (series.status !== 'booked' || series.id === null) throw t.fail(`expected booked, got ${JSON.stringify(series)}`)
    const moved = await client.updateMeeting({ id: series.id, occurrence: '2026-03-30T14:00:00Z', start: '2026-03-31T11:00' })
    t.equal(moved.status, 'booked')
    const window = { from: '2026-03-23T00:00:00Z', to: '2026-04-13T00:00:00Z' }
    const agenda = await eventually('the move in lon', async () => {
      const seen = (await client.agenda({ user: 'lena', ...window })).events.filter((e) => e.meetingId === series.id)
      return seen.some((e) => e.start === '2026-03-31T15:00:00.000Z') ? seen : undefined
    })
    const run = await runDms(['ical', 'export', '--meeting', series.id, '--config', cluster.configPath])
    t.equal(run.code, 0, run.stderr)
    t.match(run.stdout, /RECURRENCE-ID;TZID=America\/New_York:20260330T100000/)
    const [imported] = importCalendar(run.stdout, { defaultZone: 'UTC', domain: 'dms.example' }).events
    const occurrences = imported === undefined ? [] : expandEvent(imported, { start: Date.parse(window.from), end: Date.parse(window.to) })
    t.same(
      occurrences.map((o) => [new Date(o.startMs).toISOString(), new Date(o.endMs).toISOString()]),
      agenda.map((e) => [e.start, e.end]),
      "the imported series has lena's occurrences, the moved one included",
    )
  })

  await t.test('a follower without a leader serves reads that accept staleness and refuses linearizable ones', async (t) => {
    const lon = await cluster.waitForLeader('lon')
    const leader = lon.leader!
    const [follower, other] = lon.members.map((m) => m.id).filter((id) => id !== leader)
    if (follower === undefined || other === undefined) throw t.fail('expected three lon replicas')
    const atFollower = replicaClient(follower, 4000)
    // The follower has applied the meeting once a linearizable read there shows it.
    await eventually('the follower to show the meeting', async () => ((await atFollower.call('calendar.agenda', { user: 'lena', ...DAY })).events.some((e) => e.id === meetingId) ? true : undefined))
    cluster.replicas.get(leader)!.pause()
    cluster.replicas.get(other)!.pause()
    t.teardown(() => {
      cluster.replicas.get(leader)!.resume()
      cluster.replicas.get(other)!.resume()
    })
    const bounded = await atFollower.call('calendar.agenda', { user: 'lena', ...DAY, maxStalenessMs: 120_000 })
    t.same(bounded.events.map((e) => e.id).sort(), [dentist.id, meetingId].sort(), 'agenda within the bound, from the follower alone')
    const freeBusy = await atFollower.call('calendar.freeBusy', { users: ['lena'], ...DAY, maxStalenessMs: 120_000 })
    t.same(freeBusy.users[0]?.busy, [{ start: '2026-03-18T14:00:00.000Z', end: '2026-03-18T15:00:00.000Z' }, { start: '2026-03-19T14:00:00.000Z', end: '2026-03-19T15:00:00.000Z' }])
    const availability = await atFollower.call('calendar.availability', { users: ['lena'], ...DAY, maxStalenessMs: 120_000 })
    t.same(availability.users[0]?.busy, freeBusy.users[0]?.busy, 'availability of its own people too')
    t.same((await atFollower.call('calendar.agenda', { user: 'lena', ...DAY, stale: true })).events, bounded.events, 'stale: any age')

    for (const params of [{}, { maxStalenessMs: 0 }]) {
      const refused = await atFollower.call('calendar.agenda', { user: 'lena', ...DAY, ...params }).then(
        () => null,
        (error: unknown) => error,
      )
      t.ok(refused instanceof RpcError, `agenda ${JSON.stringify(params)} is refused without a leader`)
    }
  })
})
