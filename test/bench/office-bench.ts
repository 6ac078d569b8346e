/**
 * The office scheduling service under load, on a real 3-replica office (separate processes,
 * LevelDB on disk):
 *   1. bookings per second with 64 concurrent clients (closed loop), p50/p99 latency;
 *   2. free/busy latency for 50 people over 4 weeks (each with a weekly series and single events).
 *
 *   npm run bench:office -- [--duration 10] [--concurrency 64] [--queries 200]
 */
import { parseArgs } from 'node:util'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadavg } from 'node:os'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import { LatencyRecorder } from '../../src/bench/latency-recorder.js'
import type { OfficeMethods } from '../../src/office/office-api.js'

const { values } = parseArgs({ options: { duration: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '64' }, queries: { type: 'string', default: '200' } } })
const durationS = Number(values.duration)
const concurrency = Number(values.concurrency)
const queries = Number(values.queries)
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const HOUR_MS = 3_600_000
const BASE_MS = Date.UTC(2026, 5, 1)
const USERS_PER_CLIENT = 4

const cluster = await EphemeralCluster.create({
  launcher: { command: process.execPath, args: ['--import', 'tsx', join(repo, 'cli/dms.ts')] },
  offices: [{ id: 'nyc', timeZone: 'America/New_York', replicas: 3 }],
})
try {
  cluster.startAll()
  await cluster.waitForLeader('nyc')
  const urls = officeClientUrls(cluster.config, 'nyc')
  const admin = new ClusterClient<OfficeMethods>({ endpoints: urls, callTimeoutMs: 30_000 })
  const people = Array.from({ length: concurrency * USERS_PER_CLIENT }, (_, i) => `u${i}`)
  for (let i = 0; i < people.length; i += 32) await Promise.all(people.slice(i, i + 32).map((id) => admin.call('user.add', { id, office: 'nyc' })))

  // 1. Bookings: each client books its own people into consecutive slots, so nearly all succeed
  //    and every booking pays the full apply-time check against a growing calendar.
  const bookings = new LatencyRecorder()
  let conflicts = 0
  const clients = Array.from({ length: concurrency }, () => new ClusterClient<OfficeMethods>({ endpoints: urls, callTimeoutMs: 30_000 }))
  const deadline = performance.now() + durationS * 1000
  const started = performance.now()
  await Promise.all(
    clients.map(async (client, c) => {
      const mine = people.slice(c * USERS_PER_CLIENT, (c + 1) * USERS_PER_CLIENT)
      for (let n = 0; performance.now() < deadline; n++) {
        const t0 = performance.now()
        const result = await client.call('meeting.book', {
          organizer: mine[n % mine.length]!,
          attendees: mine.filter((_, i) => i !== n % mine.length).slice(0, 2),
          start: new Date(BASE_MS + n * HOUR_MS).toISOString(),
          durationMinutes: 30,
        })
        bookings.record(performance.now() - t0)
        if (result.status === 'conflict') conflicts += 1
      }
    }),
  )
  const elapsedS = (performance.now() - started) / 1000
  for (const client of clients) client.close()
  const booking = bookings.summary()

  // 2. Free/busy: 50 people with a weekly series and 20 single events each in the 4 weeks.
  const fb = people.slice(0, 50).map((id) => `fb-${id}`)
  for (const id of fb) await admin.call('user.add', { id, office: 'nyc' })
  const windowStart = Date.UTC(2026, 8, 7)
  await Promise.all(
    fb.map(async (id, i) => {
      await admin.call('event.add', { user: id, start: '2026-09-01T10:00', durationMinutes: 60, rules: [`RRULE:FREQ=WEEKLY;BYDAY=${['MO', 'TU', 'WE', 'TH', 'FR'][i % 5]}`] })
      for (let e = 0; e < 20; e++) {
        await admin.call('event.add', { user: id, start: new Date(windowStart + (e * 31 + i) * HOUR_MS).toISOString(), durationMinutes: 45 })
      }
    }),
  )
  const from = new Date(windowStart).toISOString()
  const to = new Date(windowStart + 28 * 24 * HOUR_MS).toISOString()
  const freeBusy = new LatencyRecorder()
  for (let q = 0; q < queries; q++) {
    const t0 = performance.now()
    await admin.call('calendar.freeBusy', { users: fb, from, to })
    freeBusy.record(performance.now() - t0)
  }
  admin.close()
  const fbSummary = freeBusy.summary()
  const round = (ms: number) => Math.round(ms * 10) / 10
  const report = {
    concurrency,
    durationS: round(elapsedS),
    bookings: booking.count,
    bookingsPerSec: Math.round(booking.count / elapsedS),
    conflicts,
    bookingP50Ms: round(booking.p50Ms),
    bookingP99Ms: round(booking.p99Ms),
    freeBusyPeople: fb.length,
    freeBusyWindowDays: 28,
    freeBusyQueries: fbSummary.count,
    freeBusyP50Ms: round(fbSummary.p50Ms),
    freeBusyP99Ms: round(fbSummary.p99Ms),
    loadAverage1m: round(loadavg()[0] ?? 0),
  }
  console.log(JSON.stringify(report))
} finally {
  await cluster.stop()
}
