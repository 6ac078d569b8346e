/**
 * The client's notification subscription on a real office: a waiting poll is woken by new
 * bookings, and the subscription resumes after the leader changes (transfer, then SIGKILL),
 * delivering every notification in order without gaps.
 */
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { RpcConnection } from '../../src/client/rpc-connection.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { NotificationRecord } from '../../src/calendar-service/calendar-records.js'
import { startTestCluster } from './cluster-fixture.js'

t.setTimeout(180_000)

t.test('a subscription delivers in order across leader changes', async (t) => {
  const cluster = await startTestCluster(t)
  const first = await cluster.waitForLeader('nyc')
  const calendar = new CalendarClient(cluster.config, { callTimeoutMs: 30_000 })
  t.teardown(() => calendar.close())
  await calendar.addUser({ id: 'alice', office: 'nyc' })
  await calendar.addUser({ id: 'bob', office: 'nyc' })

  const received: NotificationRecord[] = []
  const stop = new AbortController()
  t.teardown(() => stop.abort())
  const watching = (async () => {
    for await (const n of calendar.subscribe('bob', { waitMs: 2000, signal: stop.signal })) {
      received.push(n)
      if (received.length === 30) break
    }
  })()
  const book = (i: number) => calendar.book({ organizer: 'alice', attendees: ['bob'], start: new Date(Date.UTC(2026, 4, 1) + i * 3_600_000).toISOString(), durationMinutes: 30 })
  for (let i = 0; i < 10; i++) await book(i)

  const next = first.members.find((m) => m.id !== first.leader)!.id
  const leaderUrl = officeClientUrls(cluster.config, 'nyc')[cluster.config.offices[0]!.replicas.findIndex((r) => r.id === first.leader)]!
  const direct = new RpcConnection(leaderUrl)
  await direct.request(randomUUID(), 'replica.transferLeadership', { to: next }, 5000)
  direct.close()
  for (let i = 10; i < 20; i++) await book(i)

  const current = await cluster.waitForLeader('nyc')
  await cluster.replicas.get(current.leader!)!.kill()
  await cluster.waitForLeader('nyc', { exclude: current.leader! })
  for (let i = 20; i < 30; i++) await book(i)

  await watching
  stop.abort()
  t.same(received.map((n) => n.seq), Array.from({ length: 30 }, (_, i) => i + 1), 'all 30 in order, none missing, none repeated')
  t.ok(received.every((n) => n.kind === 'invited' && n.user === 'bob' && n.by === 'alice'))
})
