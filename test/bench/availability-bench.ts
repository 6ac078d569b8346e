/**
 * Cross-office availability and suggestions on real processes: offices nyc, lon and tok (three
 * replicas each by default), 1,000 people per office with a few events each, and queries about 20
 * people spread over the three offices (7 nyc, organizer included, 7 lon, 6 tok; Tokyo optional in proposals) over a two-week
 * window, asked of nyc by a client in nyc. Each query set is asked cold (nobody of it cached, not
 * even where they live), then warm (the same again, within the staleness bound), for
 * `calendar.availability` and for `calendar.suggest` (propose); and once more linearizably (no
 * bound: every office read). Reports p50/p99 and calls to other offices per query, and nyc's cache
 * hit rate. With --delays the offices are 35 ms (nyc-lon), 80 ms (nyc-tok) and 110 ms (lon-tok)
 * apart, one way.
 *
 *   npm run bench:availability -- [--delays] [--queries 100] [--users 1000] [--replicas 3] [--cpu-prof DIR]
 *
 * `--cpu-prof DIR` runs the replicas under `node --cpu-prof` (one profile per replica in DIR when
 * they stop; read them with test/bench/cpu-profile-summary.ts).
 */
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { LatencyRecorder } from '../../src/bench/latency-recorder.js'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { OfficeMethods } from '../../src/office/office-api.js'

const { values } = parseArgs({
  options: {
    delays: { type: 'boolean', default: false },
    queries: { type: 'string', default: '100' },
    users: { type: 'string', default: '1000' },
    replicas: { type: 'string', default: '3' },
    'cpu-prof': { type: 'string' },
  },
})
const queries = Number(values.queries)
const usersPerOffice = Number(values.users)
const replicas = Number(values.replicas)
if (queries * 7 > usersPerOffice) throw new Error(`--queries ${queries} needs at least ${queries * 7} --users per office (7 new people per office and query)`)
const DELAYS = { 'nyc-lon': 35, 'nyc-tok': 80, 'lon-tok': 110 }
const FARTHEST_ROUND_TRIP_MS = 2 * 80
const STALENESS_MS = 5000
const WINDOW_A = { from: '2026-06-01T00:00:00Z', to: '2026-06-15T00:00:00Z' }
const WINDOW_B = { from: '2026-06-15T00:00:00Z', to: '2026-06-29T00:00:00Z' }
const DAY_MS = 86_400_000
const BASE_MS = Date.parse(WINDOW_A.from)
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const round = (ms: number) => Math.round(ms * 10) / 10

const cluster = await EphemeralCluster.create({
  launcher: {
    command: process.execPath,
    args: [...(values['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${resolve(values['cpu-prof'])}`]), '--import', 'tsx', join(repo, 'cli/dms.ts')],
  },
  offices: [
    { id: 'nyc', timeZone: 'America/New_York', replicas },
    { id: 'lon', timeZone: 'Europe/London', replicas },
    { id: 'tok', timeZone: 'Asia/Tokyo', replicas },
  ],
  ...(values.delays ? { interOfficeDelays: DELAYS } : {}),
})
try {
  cluster.startAll()
  // Nine processes starting through tsx on a busy 2-core machine can take a while.
  await Promise.all(['nyc', 'lon', 'tok'].map((o) => cluster.waitForLeader(o, { timeoutMs: 180_000 })))
  const setupStarted = performance.now()
  await Promise.all(['nyc', 'lon', 'tok'].map((office) => populate(office)))
  process.stderr.write(`populated ${3 * usersPerOffice} people in ${Math.round((performance.now() - setupStarted) / 1000)} s\n`)

  // The client sits in nyc and asks nyc (with delays on, its view has lon and tok behind their delays).
  const client = new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(cluster.configFrom('nyc'), 'nyc'), callTimeoutMs: 30_000 })
  const sets = Array.from({ length: queries }, (_, q) => ({
    organizer: `nyc${q * 7}`,
    attendees: [...range(1, 7).map((i) => `nyc${q * 7 + i}`), ...range(0, 7).map((i) => `lon${q * 7 + i}`)],
    // New York, London and Tokyo share no working hour: Tokyo is optional, or nothing could ever fit.
    optional: range(0, 6).map((i) => `tok${q * 7 + i}`),
  }))
  const availability = async (window: typeof WINDOW_A, bounded: boolean) => {
    const latency = new LatencyRecorder()
    let rpcs = 0
    for (const set of sets) {
      const t0 = performance.now()
      const answer = await client.call('calendar.availability', { users: [set.organizer, ...set.attendees, ...set.optional], ...window, ...(bounded ? { maxStalenessMs: STALENESS_MS } : {}) })
      latency.record(performance.now() - t0)
      rpcs += answer.rpcs
      if (answer.users.length !== 20) throw new Error(`expected 20 people, got ${answer.users.length}`)
    }
    return { ...figures(latency), rpcsPerQuery: round(rpcs / sets.length) }
  }
  const propose = async (window: typeof WINDOW_B) => {
    const latency = new LatencyRecorder()
    const before = await client.call('calendar.freeBusyStats', {})
    let answered = 0
    for (const set of sets) {
      const t0 = performance.now()
      const answer = await client.call('calendar.suggest', { ...set, durationMinutes: 30, ...window, maxStalenessMs: STALENESS_MS })
      latency.record(performance.now() - t0)
      if (answer.suggestions.length > 0) answered++
    }
    const after = await client.call('calendar.freeBusyStats', {})
    return { ...figures(latency), rpcsPerQuery: round((after.rpcs - before.rpcs) / sets.length), withSuggestions: answered }
  }
  const availabilityCold = await availability(WINDOW_A, true)
  const availabilityWarm = await availability(WINDOW_A, true)
  const proposeCold = await propose(WINDOW_B)
  const proposeWarm = await propose(WINDOW_B)
  const availabilityLinearizable = await availability(WINDOW_A, false)
  const stats = await client.call('calendar.freeBusyStats', {})
  client.close()
  const report = {
    interOfficeDelaysMs: values.delays ? DELAYS : null,
    offices: 3,
    replicasPerOffice: replicas,
    usersPerOffice,
    peoplePerQuery: 20,
    windowDays: 14,
    queries,
    maxStalenessMs: STALENESS_MS,
    availability: { cold: availabilityCold, warm: availabilityWarm, linearizable: availabilityLinearizable },
    propose: { cold: proposeCold, warm: proposeWarm },
    cache: { hitRate: round(stats.cache.hitRate * 100) / 100, hits: stats.cache.hits, misses: stats.cache.misses, invalidated: stats.cache.invalidated },
    targets: {
      warmP99Ms: 25,
      coldP99Ms: values.delays ? FARTHEST_ROUND_TRIP_MS + 30 : 100,
      met: Math.max(availabilityWarm.p99Ms, proposeWarm.p99Ms) < 25 && Math.max(availabilityCold.p99Ms, proposeCold.p99Ms) <= (values.delays ? FARTHEST_ROUND_TRIP_MS + 30 : 100),
    },
    loadAverage1m: round(loadavg()[0] ?? 0),
  }
  console.log(JSON.stringify(report))
} finally {
  await cluster.stop()
}

/** `usersPerOffice` people, each with two meetings-like events and a weekly recurring one over both windows. */
async function populate(office: string): Promise<void> {
  const admin = cluster.client(office, 60_000)
  const ids = range(0, usersPerOffice).map((i) => `${office}${i}`)
  await inParallel(ids, 32, (id) => admin.call('user.add', { id, office }))
  await inParallel(ids, 32, async (id, i) => {
    for (const day of [i % 10, (i * 7 + 3) % 24]) {
      const start = BASE_MS + day * DAY_MS + (13 + (i % 8)) * 3_600_000
      await admin.call('event.add', { user: id, start: new Date(start).toISOString(), durationMinutes: 60, title: 'busy' })
    }
    const weekly = BASE_MS + (i % 5) * DAY_MS + (14 + (i % 4)) * 3_600_000
    await admin.call('event.add', { user: id, start: new Date(weekly).toISOString(), durationMinutes: 30, title: 'weekly', rules: ['RRULE:FREQ=WEEKLY;COUNT=8'] })
  })
}

async function inParallel<T>(items: readonly T[], width: number, run: (item: T, index: number) => Promise<unknown>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++
        await run(items[i]!, i)
      }
    }),
  )
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i)
}

function figures(latency: LatencyRecorder): { p50Ms: number; p99Ms: number } {
  const s = latency.summary()
  return { p50Ms: round(s.p50Ms), p99Ms: round(s.p99Ms) }
}
