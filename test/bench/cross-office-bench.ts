/**
 * Cross-office bookings (two-phase commit) on real processes: offices nyc and lon, three replicas
 * each, on loopback, or with --delays 35 ms apart one way (a client in nyc, the booking's
 * prepares and decision crossing to lon through delaying proxies). Measures the latency of a
 * booking whose attendees live in both offices against a one-office booking in the same run,
 * sequentially (one client) and with concurrent clients booking disjoint people. A cross-office
 * booking should cost about two inter-office round trips (prepare, then the decision) plus the
 * local Raft writes.
 *
 *   npm run bench:xoffice -- [--delays] [--count 200] [--concurrency 8] [--duration 10]
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

const { values } = parseArgs({
  options: { delays: { type: 'boolean', default: false }, count: { type: 'string', default: '200' }, concurrency: { type: 'string', default: '8' }, duration: { type: 'string', default: '10' } },
})
const ONE_WAY_MS = 35
const count = Number(values.count)
const concurrency = Number(values.concurrency)
const durationS = Number(values.duration)
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const HOUR_MS = 3_600_000
const BASE_MS = Date.UTC(2026, 5, 1)

const cluster = await EphemeralCluster.create({
  launcher: { command: process.execPath, args: ['--import', 'tsx', join(repo, 'cli/dms.ts')] },
  offices: [
    { id: 'nyc', timeZone: 'America/New_York', replicas: 3 },
    { id: 'lon', timeZone: 'Europe/London', replicas: 3 },
  ],
  ...(values.delays ? { interOfficeDelays: { 'nyc-lon': ONE_WAY_MS } } : {}),
})
const round = (ms: number) => Math.round(ms * 10) / 10
try {
  cluster.startAll()
  await Promise.all([cluster.waitForLeader('nyc', { timeoutMs: 120_000 }), cluster.waitForLeader('lon', { timeoutMs: 120_000 })])
  // The client sits in nyc (with delays on, lon is behind its delay in this view).
  const nycUrls = officeClientUrls(cluster.configFrom('nyc'), 'nyc')
  const admin = { nyc: new ClusterClient<OfficeMethods>({ endpoints: nycUrls, callTimeoutMs: 30_000 }), lon: new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(cluster.config, 'lon'), callTimeoutMs: 30_000 }) }
  const pairs = Array.from({ length: concurrency }, (_, i) => ({ organizer: `n${i}`, local: `m${i}`, remote: `l${i}` }))
  for (const p of pairs) {
    await admin.nyc.call('user.add', { id: p.organizer, office: 'nyc' })
    await admin.nyc.call('user.add', { id: p.local, office: 'nyc' })
    await admin.lon.call('user.add', { id: p.remote, office: 'lon' })
  }

  /** One client booking `n` meetings back to back: one-office or cross-office. */
  const sequential = async (kind: 'local' | 'cross', slotOffset: number) => {
    const client = new ClusterClient<OfficeMethods>({ endpoints: nycUrls, attemptTimeoutMs: 10_000, callTimeoutMs: 30_000 })
    const latency = new LatencyRecorder()
    const p = pairs[0]!
    for (let n = 0; n < count; n++) {
      const params = { organizer: p.organizer, attendees: [kind === 'local' ? p.local : p.remote], start: new Date(BASE_MS + (slotOffset + n) * HOUR_MS).toISOString(), durationMinutes: 30 }
      const t0 = performance.now()
      const result = kind === 'local' ? await client.call('meeting.book', params) : await client.call('xoffice.book', params)
      latency.record(performance.now() - t0)
      if (result.status !== 'booked') throw new Error(`bench booking ${n} was not booked: ${JSON.stringify(result)}`)
    }
    client.close()
    return latency.summary()
  }
  const local = await sequential('local', 0)
  const cross = await sequential('cross', count)

  // Concurrent cross-office bookings, each client its own people: throughput of the 2PC path.
  const concurrent = new LatencyRecorder()
  const deadline = performance.now() + durationS * 1000
  const started = performance.now()
  let notBooked = 0
  await Promise.all(
    pairs.map(async (p, c) => {
      const client = new ClusterClient<OfficeMethods>({ endpoints: nycUrls, attemptTimeoutMs: 10_000, callTimeoutMs: 30_000 })
      for (let n = 0; performance.now() < deadline; n++) {
        const t0 = performance.now()
        const result = await client.call('xoffice.book', { organizer: p.organizer, attendees: [p.remote], start: new Date(BASE_MS + (10 * count + c * 100_000 + n) * HOUR_MS).toISOString(), durationMinutes: 30 })
        concurrent.record(performance.now() - t0)
        if (result.status !== 'booked') notBooked += 1
      }
      client.close()
    }),
  )
  const elapsedS = (performance.now() - started) / 1000
  const summary = concurrent.summary()
  admin.nyc.close()
  admin.lon.close()
  console.log(
    JSON.stringify({
      interOfficeDelayMs: values.delays ? ONE_WAY_MS : 0,
      interOfficeRoundTripMs: values.delays ? 2 * ONE_WAY_MS : 0,
      sequential: { bookings: count, localP50Ms: round(local.p50Ms), localP99Ms: round(local.p99Ms), crossP50Ms: round(cross.p50Ms), crossP99Ms: round(cross.p99Ms) },
      concurrent: { clients: concurrency, bookings: summary.count, bookingsPerSec: Math.round(summary.count / elapsedS), notBooked, p50Ms: round(summary.p50Ms), p99Ms: round(summary.p99Ms) },
      loadAverage1m: round(loadavg()[0] ?? 0),
    }),
  )
} finally {
  await cluster.stop()
}
