/**
 * The replicated directory on real processes (offices nyc, lon and tok, one replica each, on
 * loopback): how long a person added in one office takes to appear in the others' directories
 * (publication runs on each leader's pass), and what a lookup costs from the directory (one call
 * to any office, answered from its applied state) against the fan-out it replaces (one call to
 * every office, waiting for all).
 *
 *   npm run bench:directory -- [--users 50] [--lookups 500]
 */
import { parseArgs } from 'node:util'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadavg } from 'node:os'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import { LatencyRecorder } from '../../src/bench/latency-recorder.js'

const { values } = parseArgs({ options: { users: { type: 'string', default: '50' }, lookups: { type: 'string', default: '500' } } })
const users = Number(values.users)
const lookups = Number(values.lookups)
const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const OFFICES = ['nyc', 'lon', 'tok']

const cluster = await EphemeralCluster.create({
  launcher: { command: process.execPath, args: ['--import', 'tsx', join(repo, 'cli/dms.ts')] },
  offices: [
    { id: 'nyc', timeZone: 'America/New_York', replicas: 1 },
    { id: 'lon', timeZone: 'Europe/London', replicas: 1 },
    { id: 'tok', timeZone: 'Asia/Tokyo', replicas: 1 },
  ],
})
const client = new CalendarClient(cluster.config)
try {
  cluster.startAll()
  for (const office of OFFICES) await cluster.waitForLeader(office, { timeoutMs: 60_000 })

  // Publication delay: add a person in nyc, poll tok's directory until it names nyc.
  const publication = new LatencyRecorder()
  for (let i = 0; i < users; i++) {
    const id = `p${i}`
    await client.addUser({ id, office: 'nyc' })
    const added = performance.now()
    for (;;) {
      const seen = (await client.office('tok').call('directory.lookup', { users: [id], stale: true })).users[0]?.office
      if (seen === 'nyc') break
      await new Promise((r) => setTimeout(r, 5))
    }
    publication.record(performance.now() - added)
  }

  const directory = new LatencyRecorder()
  const fanOut = new LatencyRecorder()
  for (let i = 0; i < lookups; i++) {
    const id = `p${i % users}`
    let start = performance.now()
    await client.office('lon').call('directory.lookup', { users: [id] })
    directory.record(performance.now() - start)
    start = performance.now()
    await Promise.all(OFFICES.map((office) => client.office(office).call('user.get', { id }).catch(() => null)))
    fanOut.record(performance.now() - start)
  }
  const round = (s: ReturnType<LatencyRecorder['summary']>) => ({ count: s.count, p50Ms: +s.p50Ms.toFixed(2), p99Ms: +s.p99Ms.toFixed(2), maxMs: +s.maxMs.toFixed(2) })
  process.stdout.write(
    JSON.stringify({ publicationMs: round(publication.summary()), lookupDirectoryMs: round(directory.summary()), lookupFanOutMs: round(fanOut.summary()), loadAverage1m: +(loadavg()[0] ?? 0).toFixed(1) }, null, 2) + '\n',
  )
} finally {
  client.close()
  await cluster.stop()
}
