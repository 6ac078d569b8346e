/**
 * Latency of changing meetings across offices (two-phase commit) against changing one-office
 * meetings, on real processes: offices nyc and lon, three replicas each, on loopback or with
 * --delays (35 ms one way between them). One client in nyc books a meeting, moves it, cancels one
 * occurrence and then the series, `--count` times, once with an attendee in lon and once with an
 * attendee in nyc; every step goes through the client library's routes (xoffice.cancel and
 * xoffice.move fall back to the one-office commands for one-office meetings).
 *
 *   npm run bench:xoffice-change -- [--delays] [--count 50]
 */
import { parseArgs } from 'node:util'
import { loadavg } from 'node:os'
import { LatencyRecorder, type LatencySummary } from '../../src/bench/latency-recorder.js'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { tsxLauncher } from '../integration/cluster-fixture.js'

const { values } = parseArgs({ options: { delays: { type: 'boolean', default: false }, count: { type: 'string', default: '50' } } })
const ONE_WAY_MS = 35
const count = Number(values.count)
const DAY_MS = 86_400_000
const FIRST_DAY_MS = Date.UTC(2026, 5, 1, 14)
const STEPS = ['book', 'move', 'cancelOccurrence', 'cancelSeries'] as const

const cluster = await EphemeralCluster.create({
  launcher: tsxLauncher,
  offices: ['nyc', 'lon'].map((id) => ({ id, timeZone: 'UTC', replicas: 3 })),
  ...(values.delays ? { interOfficeDelays: { 'nyc-lon': ONE_WAY_MS } } : {}),
})
const round = (ms: number) => Math.round(ms * 10) / 10
const view = (s: LatencySummary) => ({ p50Ms: round(s.p50Ms), p99Ms: round(s.p99Ms) })
try {
  cluster.startAll()
  await Promise.all(['nyc', 'lon'].map((office) => cluster.waitForLeader(office, { timeoutMs: 120_000 })))
  // The client sits in nyc: with delays on, lon is behind its delay in this office's view.
  const nyc = new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(cluster.configFrom('nyc'), 'nyc'), attemptTimeoutMs: 10_000, callTimeoutMs: 30_000 })
  const lon = new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(cluster.config, 'lon'), callTimeoutMs: 30_000 })
  for (const id of ['olga', 'nick']) await nyc.call('user.add', { id, office: 'nyc' })
  await lon.call('user.add', { id: 'lara', office: 'lon' })

  /** Book, move, cancel an occurrence, cancel the series, `count` times; one recorder per step. */
  const run = async (kind: 'cross' | 'local', firstDay: number) => {
    const recorders = Object.fromEntries(STEPS.map((step) => [step, new LatencyRecorder()])) as Record<(typeof STEPS)[number], LatencyRecorder>
    const timed = async <T>(step: (typeof STEPS)[number], call: () => Promise<T>): Promise<T> => {
      const t0 = performance.now()
      const result = await call()
      recorders[step].record(performance.now() - t0)
      return result
    }
    for (let n = 0; n < count; n++) {
      // Each round its own days, so no round meets another's time.
      const day = FIRST_DAY_MS + (firstDay + 3 * n) * DAY_MS
      const at = (ms: number) => new Date(ms).toISOString()
      const request = { organizer: 'olga', start: at(day), durationMinutes: 30, rules: ['RRULE:FREQ=YEARLY;COUNT=2'] }
      const booked = await timed('book', async (): Promise<{ readonly id: string | null; readonly status: string }> =>
        kind === 'cross' ? nyc.call('xoffice.book', { ...request, attendees: ['lara'] }) : nyc.call('meeting.book', { ...request, attendees: ['nick'] }),
      )
      const id = booked.id
      if (id === null) throw new Error(`round ${n}: not booked: ${JSON.stringify(booked)}`)
      const moved = await timed('move', () => nyc.call('xoffice.move', { id, start: at(day + DAY_MS) }))
      if (moved.status !== 'booked') throw new Error(`round ${n}: not moved: ${JSON.stringify(moved)}`)
      await timed('cancelOccurrence', () => nyc.call('xoffice.cancel', { id, occurrence: at(day + DAY_MS) }))
      await timed('cancelSeries', () => nyc.call('xoffice.cancel', { id }))
    }
    return Object.fromEntries(STEPS.map((step) => [step, view(recorders[step].summary())]))
  }
  const cross = await run('cross', 0)
  const local = await run('local', 3 * count)
  nyc.close()
  lon.close()
  console.log(JSON.stringify({ interOfficeDelayMs: values.delays ? ONE_WAY_MS : 0, rounds: count, crossOffice: cross, oneOffice: local, loadAverage1m: round(loadavg()[0] ?? 0) }))
} finally {
  await cluster.stop()
}
