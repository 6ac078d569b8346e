/**
 * 50 clients race to book overlapping slots for the same 5 people, their first attempts spread
 * over all three replicas of a real office. The conflict check runs when bookings are applied, so
 * the final calendars hold no overlap that was not an explicit override, and every client gets a
 * definite answer: booked, or a conflict naming who is busy.
 */
import t from 'tap'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { BookingResult } from '../../src/calendar-service/calendar-api.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { startTestCluster } from './cluster-fixture.js'

t.setTimeout(240_000)

const PEOPLE = ['p1', 'p2', 'p3', 'p4', 'p5']
const CLIENTS = 50

/** A fixed pseudo-random sequence, so a failure can be replayed. */
function seeded(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31
    return s / 2 ** 31
  }
}

t.test('50 concurrent bookers, 5 people, 3 replicas: no unexplained overlap, every answer definite', async (t) => {
  const cluster = await startTestCluster(t)
  await cluster.waitForLeader('nyc')
  const admin = cluster.client('nyc', 30_000)
  for (const id of PEOPLE) await admin.call('user.add', { id, office: 'nyc' })

  const urls = officeClientUrls(cluster.config, 'nyc')
  const random = seeded(7)
  const requests = Array.from({ length: CLIENTS }, (_, i) => {
    const shuffled = [...PEOPLE].sort(() => random() - 0.5)
    const start = `2026-03-18T${String(9 + Math.floor(random() * 3)).padStart(2, '0')}:${['00', '15', '30', '45'][Math.floor(random() * 4)]}`
    return { organizer: shuffled[0]!, attendees: shuffled.slice(1, 2 + Math.floor(random() * 2)), start, durationMinutes: 45, override: i % 10 === 9, title: `race-${i}` }
  })
  const answers = await Promise.all(
    requests.map(async (request, i) => {
      // Each client starts at a different replica; followers redirect it to the leader.
      const endpoints = [...urls.slice(i % urls.length), ...urls.slice(0, i % urls.length)]
      const client = new ClusterClient<OfficeMethods>({ endpoints, callTimeoutMs: 60_000 })
      try {
        return { request, result: (await client.call('meeting.book', request)) as BookingResult, error: null }
      } catch (error) {
        return { request, result: null, error: error as Error }
      } finally {
        client.close()
      }
    }),
  )
  t.same(answers.filter((a) => a.error !== null).map((a) => a.error?.message), [], 'no client was left without a definite answer')
  const booked = answers.filter((a) => a.result?.status === 'booked')
  const conflicts = answers.filter((a) => a.result?.status === 'conflict')
  t.equal(booked.length + conflicts.length, CLIENTS)
  t.ok(conflicts.length > 0, `some bookings lost the race (${conflicts.length})`)
  for (const c of conflicts) {
    const people = [c.request.organizer, ...c.request.attendees]
    t.ok(c.result?.status === 'conflict' && c.result.conflicts.every((x) => people.includes(x.user) && x.eventId !== null), 'a conflict names an invited person and the event in the way')
  }

  const overrideIds = new Set(booked.filter((a) => a.request.override).map((a) => a.result?.id))
  const bookedIds = new Set(booked.map((a) => a.result?.id))
  let overlaps = 0
  for (const person of PEOPLE) {
    const agenda = await admin.call('calendar.agenda', { user: person, from: '2026-03-18T00:00:00Z', to: '2026-03-19T00:00:00Z' })
    for (const e of agenda.events) t.ok(bookedIds.has(e.id), `${person}'s ${e.id} was acknowledged as booked`)
    agenda.events.forEach((a, i) =>
      agenda.events.slice(i + 1).forEach((b) => {
        if (Date.parse(a.start) < Date.parse(b.end) && Date.parse(b.start) < Date.parse(a.end)) {
          overlaps += 1
          t.ok(overrideIds.has(a.id) || overrideIds.has(b.id), `${person}: ${a.id} and ${b.id} overlap only because one was an override`)
        }
      }),
    )
  }
  t.comment(`${booked.length} booked (${overrideIds.size} overrides), ${conflicts.length} conflicts, ${overlaps} overlaps from overrides`)
  for (const a of booked) {
    const people = [a.request.organizer, ...a.request.attendees]
    for (const person of people) {
      const agenda = await admin.call('calendar.agenda', { user: person, from: '2026-03-18T00:00:00Z', to: '2026-03-19T00:00:00Z' })
      t.equal(agenda.events.filter((e) => e.id === a.result?.id).length, 1, `${a.result?.id} is in ${person}'s calendar once`)
    }
  }
})
