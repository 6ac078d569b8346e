/**
 * Cancelling and moving cross-office meetings, and priority, on a real cluster of three offices
 * (nyc, lon, tok; one replica process each): a weekly meeting loses one occurrence and then the
 * whole series in every office, with every invitee notified in their own office; a move onto a
 * busy time aborts everywhere with the conflict's details and a free one moves it everywhere
 * (through the CLI); with tok down a cancellation aborts naming it and changes nothing, and
 * commits once tok is back; a higher-priority booking displaces an undecided lower-priority hold,
 * whose booking aborts naming the displacing meeting, but never a committed meeting.
 */
import t, { type Test } from 'tap'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { startTestCluster, type TestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'

t.setTimeout(300_000)

const OFFICES = ['nyc', 'lon', 'tok'] as const
const MARCH = { from: '2026-03-01T00:00:00Z', to: '2026-04-30T00:00:00Z' }

function officeClient(t: Test, cluster: TestCluster, office: string): ClusterClient<OfficeMethods> {
  // A cross-office call may wait a whole prepare timeout for an office that does not answer.
  const client = new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(cluster.config, office), attemptTimeoutMs: 10_000, callTimeoutMs: 30_000 })
  t.teardown(() => client.close())
  return client
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000, pauseMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, pauseMs))
  }
}

t.test('three offices: cancel an occurrence, move one, cancel the series, move with and without conflict, an office down, priority', async (t) => {
  const cluster = await startTestCluster(t, { offices: OFFICES, replicaCount: 1 })
  await Promise.all(OFFICES.map((office) => cluster.waitForLeader(office)))
  const office = { nyc: officeClient(t, cluster, 'nyc'), lon: officeClient(t, cluster, 'lon'), tok: officeClient(t, cluster, 'tok') }
  const homes: Record<string, keyof typeof office> = { alice: 'nyc', bob: 'nyc', lena: 'lon', liam: 'lon', taro: 'tok' }
  for (const [id, home] of Object.entries(homes)) await office[home].call('user.add', { id, office: home })
  const client = new CalendarClient(cluster.config, { callTimeoutMs: 30_000 })
  t.teardown(() => client.close())
  const up = new Set<keyof typeof office>(OFFICES)

  /** Every office that is up has finished its transactions (decisions delivered, holds released). */
  const settled = () =>
    waitFor('every office to settle its cross-office transactions', async () => {
      const stats = await Promise.all([...up].map((id) => office[id].call('xoffice.stats', {})))
      return stats.every((s) => s.openTransactions === 0 && s.preparedHolds === 0) ? true : undefined
    })
  const meetingEverywhere = (id: string) => Promise.all([...up].map((o) => office[o].call('meeting.get', { id })))
  /** The meetings in a person's agenda, as "<meeting>@<start>". */
  const starts = async (user: string) =>
    (await office[homes[user] as keyof typeof office].call('calendar.agenda', { user, ...MARCH })).events.filter((e) => e.meetingId !== null).map((e) => `${e.meetingId}@${e.start}`)
  const kinds = async (user: string) => (await office[homes[user] as keyof typeof office].call('notifications.poll', { user, after: 0, waitMs: 0 })).notifications.map((n) => n.kind)

  let weekly = ''
  await t.test('one occurrence cancelled, another moved, then the whole series cancelled, in every office; every invitee notified', async (t) => {
    const booked = await client.book({ organizer: 'alice', attendees: ['lena', 'taro'], start: '2026-03-18T10:00', durationMinutes: 60, title: 'sync', rules: ['RRULE:FREQ=WEEKLY;COUNT=3'] })
    if (booked.status !== 'booked') throw t.fail(`expected booked, got ${JSON.stringify(booked)}`)
    weekly = booked.id
    await settled()
    const one = await client.cancel({ id: weekly, occurrence: '2026-03-25T10:00' })
    t.match(one, { id: weekly, status: 'cancelled', occurrence: '2026-03-25T14:00:00.000Z', notified: ['lena', 'taro'], transaction: /^chg-nyc-\d+$/ })
    await settled()
    for (const meeting of await meetingEverywhere(weekly)) t.same(meeting.cancelledOccurrences, ['2026-03-25T14:00:00.000Z'], 'every office left the occurrence out')
    const left = [`${weekly}@2026-03-18T14:00:00.000Z`, `${weekly}@2026-04-01T14:00:00.000Z`]
    for (const user of ['alice', 'lena', 'taro']) t.same(await starts(user), left, `${user}'s agenda`)
    for (const user of ['lena', 'taro']) t.same(await kinds(user), ['invited', 'occurrence-cancelled'], `${user} was told in their own office`)

    const moved = await client.updateMeeting({ id: weekly, occurrence: '2026-04-01T10:00', start: '2026-04-02T09:00' })
    t.match(moved, { id: weekly, status: 'booked', notified: ['lena', 'taro'], transaction: /^chg-nyc-\d+$/ })
    await settled()
    for (const meeting of await meetingEverywhere(weekly)) t.same(meeting.movedOccurrences, [{ originalStart: '2026-04-01T14:00:00.000Z', start: '2026-04-02T13:00:00.000Z', end: '2026-04-02T14:00:00.000Z' }])
    for (const user of ['alice', 'lena', 'taro']) t.same(await starts(user), [`${weekly}@2026-03-18T14:00:00.000Z`, `${weekly}@2026-04-02T13:00:00.000Z`], `${user}'s agenda has the occurrence moved`)

    const whole = await client.cancel({ id: weekly })
    t.match(whole, { id: weekly, status: 'cancelled', occurrence: null, notified: ['lena', 'taro'] })
    await settled()
    for (const meeting of await meetingEverywhere(weekly)) t.equal(meeting.status, 'cancelled')
    for (const user of ['alice', 'lena', 'taro']) t.same(await starts(user), [], `${user}'s agenda is empty`)
    for (const user of ['lena', 'taro']) t.same(await kinds(user), ['invited', 'occurrence-cancelled', 'updated', 'cancelled'])
  })

  let single = ''
  await t.test('a move onto a busy time aborts everywhere with details; a free time moves it everywhere (dms meeting move)', async (t) => {
    const booked = await client.book({ organizer: 'alice', attendees: ['lena', 'taro'], start: '2026-03-19T10:00', durationMinutes: 60, title: 'review' })
    if (booked.status !== 'booked') throw t.fail(`expected booked, got ${JSON.stringify(booked)}`)
    single = booked.id
    await office.tok.call('event.add', { user: 'taro', start: '2026-03-20T14:00:00Z', durationMinutes: 30, title: 'late call' })
    await settled()
    await t.rejects(office.nyc.call('meeting.cancel', { id: single }), { code: 'BAD_REQUEST', message: /has attendees in other offices \(lena, taro\); change it with xoffice.cancel/ }, 'the one-office command refuses it')
    await t.rejects(office.lon.call('xoffice.cancel', { id: single }), { code: 'BAD_REQUEST', message: `id: meeting "${single}" is changed through office nyc, which booked it; this is office lon` })
    const refused = await client.updateMeeting({ id: single, start: '2026-03-20T10:00' })
    t.match(refused, { id: null, status: 'conflict', conflicts: [{ user: 'taro', start: '2026-03-20T14:00:00.000Z', end: '2026-03-20T14:30:00.000Z', meetingStart: '2026-03-20T14:00:00.000Z' }] })
    await settled()
    for (const meeting of await meetingEverywhere(single)) t.match(meeting, { start: '2026-03-19T14:00:00.000Z', version: 1 }, 'unchanged in every office')

    const run = await runDms(['meeting', 'move', single, '--start', '2026-03-20T11:00', '--config', cluster.configPath, '--json'])
    t.equal(run.code, 0, run.stderr)
    t.match(JSON.parse(run.stdout), { id: single, status: 'booked', notified: ['lena', 'taro'] })
    await settled()
    for (const meeting of await meetingEverywhere(single)) t.match(meeting, { start: '2026-03-20T15:00:00.000Z', version: 2 })
    for (const user of ['alice', 'lena', 'taro']) t.same(await starts(user), [`${single}@2026-03-20T15:00:00.000Z`], `${user}'s agenda has the new time`)
    for (const user of ['lena', 'taro']) t.same((await kinds(user)).at(-1), 'updated')
  })

  await t.test('with tok down, cancelling aborts with a reason naming it and changes nothing anywhere', async (t) => {
    await cluster.replicas.get('tok-1')?.stop(3000)
    up.delete('tok')
    await t.rejects(client.cancel({ id: single }), { code: 'CONFLICT', message: /^not cancelled \(transaction chg-nyc-\d+ aborted\): office tok did not answer the prepare/ })
    for (const meeting of await meetingEverywhere(single)) t.match(meeting, { status: 'booked', version: 2 })
    t.same(await starts('lena'), [`${single}@2026-03-20T15:00:00.000Z`], 'lena keeps the meeting')
  })

  await t.test('a higher priority displaces an undecided lower-priority hold (its booking aborts naming the displacer), never a committed meeting', async (t) => {
    // tok is down, so this booking stays undecided for a prepare timeout while nyc and lon hold its time.
    const low = office.nyc.call('xoffice.book', { organizer: 'bob', attendees: ['liam', 'taro'], start: '2026-03-23T10:00', durationMinutes: 30, title: 'weekly' })
    await waitFor("lon's hold for the low-priority booking", async () => ((await office.lon.call('xoffice.stats', {})).preparedHolds === 1 ? true : undefined), 2500, 20)
    const urgent = await office.nyc.call('xoffice.book', { organizer: 'alice', attendees: ['liam'], start: '2026-03-23T10:00', durationMinutes: 30, title: 'incident review', priority: 5 })
    if (urgent.status !== 'booked') throw t.fail(`expected the urgent booking to win, got ${JSON.stringify(urgent)}`)
    const lost = await low
    if (lost.status !== 'aborted') throw t.fail(`expected the low-priority booking to abort, got ${JSON.stringify(lost)}`)
    t.match(lost.reason, new RegExp(`^displaced by higher-priority meeting "incident review" \\(${urgent.id}, priority 5 over 1\\)`))
    const overCommitted = await office.nyc.call('xoffice.book', { organizer: 'bob', attendees: ['liam'], start: '2026-03-23T10:00', durationMinutes: 30, title: 'top', priority: 9 })
    t.match(overCommitted, { status: 'conflict', conflicts: [{ user: 'liam', eventId: urgent.id }] }, 'the committed meeting keeps its time')
    t.same(await starts('liam'), [`${urgent.id}@2026-03-23T14:00:00.000Z`])
  })

  await t.test('once tok is back, the cancellation commits in every office', async (t) => {
    cluster.startAll()
    await cluster.waitForLeader('tok')
    up.add('tok')
    await settled()
    t.match(await client.cancel({ id: single }), { status: 'cancelled', notified: ['lena', 'taro'] })
    await settled()
    for (const meeting of await meetingEverywhere(single)) t.equal(meeting.status, 'cancelled')
    t.same((await kinds('taro')).at(-1), 'cancelled')
    t.same(await starts('taro'), [], 'taro has no meeting left; the aborted bookings left nothing held')
  })
})
