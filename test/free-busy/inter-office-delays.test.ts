/**
 * Inter-office delays on real processes: with `interOfficeDelays` on, each office's replicas run
 * with a config in which the other office sits behind a delaying proxy, and office-to-office RPC
 * (a free/busy fan-out, a 2PC booking) really crosses those proxies: their connection counters
 * show it. Every call here goes to nyc directly, so only nyc's replica can have dialed nyc>lon-1.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import { tsxLauncher } from '../integration/cluster-fixture.js'

t.setTimeout(180_000)

t.test('office-to-office traffic goes through the delay proxies', async (t) => {
  const cluster = await EphemeralCluster.create({
    launcher: tsxLauncher,
    offices: [
      { id: 'nyc', timeZone: 'America/New_York', replicas: 1 },
      { id: 'lon', timeZone: 'Europe/London', replicas: 1 },
    ],
    interOfficeDelays: { 'nyc-lon': 20 },
  })
  t.teardown(() => cluster.stop())
  const nodeView = parseClusterConfig(JSON.parse(await readFile(join(cluster.directory, 'cluster.nyc-1.json'), 'utf8')), 'nyc-1 config').config
  const lonReal = cluster.config.offices.find((o) => o.id === 'lon')!.replicas[0]!.port
  const lonSeen = nodeView.offices.find((o) => o.id === 'lon')!.replicas[0]!.port
  t.not(lonSeen, lonReal, "nyc's replica reaches lon at another port (its proxy)")
  t.same(cluster.configFrom('nyc'), nodeView, 'a client placed in nyc sees what nyc does')
  t.same(
    cluster.interOfficeLinkStats().map((l) => [l.from, l.to, l.delayMs]),
    [['nyc', 'lon-1', 20], ['lon', 'nyc-1', 20]],
    'one proxy per source office and remote replica, with the pair delay',
  )

  cluster.startAll()
  await Promise.all([cluster.waitForLeader('nyc'), cluster.waitForLeader('lon')])
  const nyc = cluster.client('nyc', 30_000)
  const lon = cluster.client('lon', 30_000)
  await nyc.call('user.add', { id: 'alice', office: 'nyc' })
  await lon.call('user.add', { id: 'lena', office: 'lon' })
  const answer = await nyc.call('calendar.availability', { users: ['alice', 'lena'], from: '2026-03-16T00:00:00Z', to: '2026-03-17T00:00:00Z' })
  t.same(answer.sources.map((s) => [s.office, s.from]).sort(), [['lon', 'remote'], ['nyc', 'local']])
  const booked = await nyc.call('xoffice.book', { organizer: 'alice', attendees: ['lena'], start: '2026-03-16T15:00:00Z', durationMinutes: 30 })
  t.equal(booked.status, 'booked', 'a cross-office booking commits through the delayed links')
  const nycToLon = cluster.interOfficeLinkStats().find((l) => l.from === 'nyc')!
  t.ok(nycToLon.connectionsAccepted >= 1, `nyc's replica dialed lon through the proxy (${nycToLon.connectionsAccepted} connections)`)
})
