/**
 * The cost of what an attendee in another office adds, on real processes (offices nyc and lon,
 * three replicas each): a conflict report over people of one office against one over people of
 * both (the added fan-out), linearizable and within a staleness bound (cached free/busy); an
 * answer to a meeting of one office against one recorded in both; and agenda reads at a follower,
 * linearizable (ReadIndex through its leader) against bounded-staleness (its applied state), with
 * the leader's linearizable read for reference. With --delays, nyc and lon are 35 ms apart one way.
 *
 *   npm run bench:xoffice-reads -- [--delays] [--queries 200]
 */
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { LatencyRecorder } from '../../src/bench/latency-recorder.js'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { clientUrl } from '../../src/rpc/endpoint-urls.js'

const { values } = parseArgs({ options: { delays: { type: 'boolean', default: false }, queries: { type: 'string', default: '200' } } })
const queries = Number(values.queries)
if (!Number.isSafeInteger(queries) || queries < 10) throw new Error(`--queries: expected a whole number of at least 10, got "${values.queries}"`)
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const round = (ms: number) => Math.round(ms * 10) / 10
const DAY = { from: '2026-03-18T00:00:00Z', to: '2026-03-19T00:00:00Z' }

const cluster = await EphemeralCluster.create({
  launcher: { command: process.execPath, args: ['--import', 'tsx', join(repo, 'cli/dms.ts')] },
  offices: [
    { id: 'nyc', timeZone: 'America/New_York', replicas: 3 },
    { id: 'lon', timeZone: 'Europe/London', replicas: 3 },
  ],
  ...(values.delays ? { interOfficeDelays: { 'nyc-lon': 35 } } : {}),
})
try {
  cluster.startAll()
  await Promise.all(['nyc', 'lon'].map((o) => cluster.waitForLeader(o, { timeoutMs: 180_000 })))
  // The client sits in nyc (with delays on, its view has lon behind its delay).
  const client = new CalendarClient(cluster.configFrom('nyc'), { callTimeoutMs: 30_000 })
  for (const office of ['nyc', 'lon']) {
    for (let i = 0; i < 4; i++) {
      const id = `${office}${i}`
      await client.addUser({ id, office })
      await client.addEvent({ user: id, start: '2026-03-18T14:00', durationMinutes: 60, title: 'busy', rules: ['RRULE:FREQ=WEEKLY;COUNT=10'] })
    }
  }
  const timed = async (run: (i: number) => Promise<unknown>) => {
    const latency = new LatencyRecorder()
    for (let i = 0; i < queries; i++) {
      const t0 = performance.now()
      await run(i)
      latency.record(performance.now() - t0)
    }
    const s = latency.summary()
    return { p50Ms: round(s.p50Ms), p99Ms: round(s.p99Ms) }
  }
  const proposal = (attendees: string[]) => ({ organizer: 'nyc0', attendees, start: '2026-03-18T10:00', durationMinutes: 60 })
  const conflicts = {
    oneOffice: await timed(() => client.conflicts(proposal(['nyc1', 'nyc2', 'nyc3']))),
    twoOffices: await timed(() => client.conflicts(proposal(['nyc1', 'lon1', 'lon2']))),
    twoOfficesWithinStaleness: await timed(() => client.conflicts({ ...proposal(['nyc1', 'lon1', 'lon2']), maxStalenessMs: 5000 })),
  }
  const local = await client.book({ organizer: 'nyc0', attendees: ['nyc1'], start: '2026-03-19T10:00', durationMinutes: 30 })
  const across = await client.book({ organizer: 'nyc0', attendees: ['lon1'], start: '2026-03-19T11:00', durationMinutes: 30 })
  if (local.id === null || across.id === null) throw new Error(`expected two bookings, got ${JSON.stringify([local, across])}`)
  const answer = (i: number): 'accepted' | 'tentative' => (i % 2 === 0 ? 'accepted' : 'tentative')
  const responses = {
    oneOffice: await timed((i) => client.respond({ id: local.id!, user: 'nyc1', response: answer(i) })),
    // Answered through lon (lon1's office), recorded in nyc first.
    twoOffices: await timed((i) => client.respond({ id: across.id!, user: 'lon1', response: answer(i) })),
  }
  const lon = await cluster.waitForLeader('lon')
  const at = (nodeId: string) => {
    const replica = cluster.config.offices.flatMap((o) => o.replicas).find((r) => r.id === nodeId)!
    return new ClusterClient<OfficeMethods>({ endpoints: [clientUrl(replica, false)], callTimeoutMs: 30_000 })
  }
  const leader = at(lon.leader!)
  const follower = at(lon.members.find((m) => m.id !== lon.leader)!.id)
  const agenda = { user: 'lon1', ...DAY }
  const followerReads = {
    leaderLinearizable: await timed(() => leader.call('calendar.agenda', agenda)),
    followerLinearizable: await timed(() => follower.call('calendar.agenda', agenda)),
    followerWithinStaleness: await timed(() => follower.call('calendar.agenda', { ...agenda, maxStalenessMs: 1000 })),
  }
  for (const c of [client, leader, follower]) c.close()
  console.log(JSON.stringify({ interOfficeDelaysMs: values.delays ? { 'nyc-lon': 35 } : null, queries, conflicts, responses, followerReads, loadAverage1m: round(loadavg()[0] ?? 0) }))
} finally {
  await cluster.stop()
}
