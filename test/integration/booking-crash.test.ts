/**
 * Bookings through a leader crash: 8 writers book meetings while the leader is killed with
 * SIGKILL; no acknowledged booking is lost and none is applied twice (every booking overrides, so
 * a second application would show as a second meeting in the same slot). Then a follower that
 * missed a compacted stretch of log catches up by snapshot and serves the same calendars.
 */
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { RpcConnection } from '../../src/client/rpc-connection.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { AgendaResult, BookingResult } from '../../src/calendar-service/calendar-api.js'
import type { ReplicaStatus } from '../../src/office/office-api.js'
import { startTestCluster, type TestCluster } from './cluster-fixture.js'

t.setTimeout(240_000)

const WRITERS = 8
const BASE_MS = Date.UTC(2026, 3, 1)
const HOUR_MS = 3_600_000

async function onReplica<T>(cluster: TestCluster, nodeId: string, method: string, params: unknown): Promise<T | null> {
  const office = cluster.config.offices[0]!
  const url = officeClientUrls(cluster.config, office.id)[office.replicas.findIndex((r) => r.id === nodeId)]!
  const connection = new RpcConnection(url)
  try {
    return (await connection.request(randomUUID(), method, params, 5000)) as T
  } catch {
    return null
  } finally {
    connection.close()
  }
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

t.test('leader killed mid-stream: nothing acknowledged lost, nothing applied twice; snapshot catch-up', async (t) => {
  const cluster = await startTestCluster(t, { nodeArgs: ['--snapshot-every', '100'] })
  const first = await cluster.waitForLeader('nyc')
  const oldLeader = first.leader!
  const client = cluster.client('nyc', 30_000)
  for (let w = 0; w < WRITERS; w++) {
    await client.call('user.add', { id: `a${w}`, office: 'nyc' })
    await client.call('user.add', { id: `b${w}`, office: 'nyc' })
  }

  const acknowledged = new Map<string, string>()
  let attempted = 0
  let stop = false
  const writer = async (w: number): Promise<void> => {
    for (let n = 0; !stop; n++) {
      attempted += 1
      const start = new Date(BASE_MS + n * HOUR_MS).toISOString()
      try {
        const result = (await client.call('meeting.book', { organizer: `a${w}`, attendees: [`b${w}`], start, durationMinutes: 30, override: true })) as BookingResult
        if (result.status === 'booked') acknowledged.set(`${w}/${start}`, result.id)
      } catch {
        // Indeterminate: may have been applied; the slot count below allows at most one.
      }
    }
  }
  const writers = Array.from({ length: WRITERS }, (_, w) => writer(w))
  await waitUntil('some bookings are acknowledged', async () => acknowledged.size >= 60)
  const beforeKill = acknowledged.size
  await cluster.replicas.get(oldLeader)!.kill()
  const second = await cluster.waitForLeader('nyc', { exclude: oldLeader })
  await waitUntil('bookings continue under the new leader', async () => acknowledged.size >= beforeKill + 80)
  stop = true
  await Promise.all(writers)
  t.comment(`${attempted} attempted, ${acknowledged.size} acknowledged; leader ${oldLeader} killed, ${second.leader} took over`)

  const window = { from: new Date(BASE_MS).toISOString(), to: new Date(BASE_MS + 400 * HOUR_MS).toISOString() }
  for (let w = 0; w < WRITERS; w++) {
    for (const person of [`a${w}`, `b${w}`]) {
      const agenda = await client.call('calendar.agenda', { user: person, ...window })
      const perSlot = new Map<string, number>()
      for (const e of agenda.events) perSlot.set(e.start, (perSlot.get(e.start) ?? 0) + 1)
      const doubled = [...perSlot].filter(([, count]) => count > 1)
      t.same(doubled, [], `${person}: no booking applied twice`)
      const ids = new Set(agenda.events.map((e) => e.id))
      const lost = [...acknowledged].filter(([key, id]) => key.startsWith(`${w}/`) && !ids.has(id))
      t.same(lost, [], `${person}: every acknowledged booking is there`)
    }
    const notes = await client.call('notifications.poll', { user: `b${w}`, after: 0, waitMs: 0, limit: 1000 })
    const agenda = await client.call('calendar.agenda', { user: `b${w}`, ...window })
    t.equal(notes.notifications.length, agenda.events.length, `b${w} was invited exactly once per meeting`)
    t.same(notes.notifications.map((n) => n.seq), notes.notifications.map((_, i) => i + 1), 'outbox seqs are 1..n')
  }

  // A follower misses more than one snapshot interval, then installs a snapshot.
  cluster.replicas.get(oldLeader)!.start()
  const follower = second.members.find((m) => m.id !== second.leader && m.id !== oldLeader)!.id
  const beforeStop = (await onReplica<ReplicaStatus>(cluster, follower, 'replica.status', {}))!
  await cluster.replicas.get(follower)!.kill()
  for (let i = 0; i < 300; i += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, j) =>
        client.call('meeting.book', { organizer: 'a0', attendees: ['b1'], start: new Date(BASE_MS + (1000 + i + j) * HOUR_MS).toISOString(), durationMinutes: 30 }),
      ),
    )
  }
  const leaderNow = (await onReplica<ReplicaStatus>(cluster, second.leader!, 'replica.status', {}))!
  t.ok(leaderNow.firstIndex > beforeStop.lastIndex + 1, `the leader compacted past the follower's log (${leaderNow.firstIndex} > ${beforeStop.lastIndex + 1})`)
  cluster.replicas.get(follower)!.start()
  await waitUntil('the lagging follower catches up', async () => ((await onReplica<ReplicaStatus>(cluster, follower, 'replica.status', {}))?.appliedIndex ?? 0) >= leaderNow.commitIndex)
  const caughtUp = (await onReplica<ReplicaStatus>(cluster, follower, 'replica.status', {}))!
  t.ok(caughtUp.firstIndex > beforeStop.lastIndex, `the follower installed a snapshot (its log starts at ${caughtUp.firstIndex})`)
  const wide = { from: window.from, to: new Date(BASE_MS + 2000 * HOUR_MS).toISOString(), stale: true }
  for (const person of ['a0', 'b1', 'b7']) {
    const there = await onReplica<AgendaResult>(cluster, follower, 'calendar.agenda', { user: person, ...wide })
    const leader = await onReplica<AgendaResult>(cluster, second.leader!, 'calendar.agenda', { user: person, ...wide })
    t.ok(there !== null && there.events.length > 0, `${person}'s calendar is on the follower`)
    t.same(there, leader, `${person}: the snapshot-installed follower serves the leader's calendar`)
  }
})
