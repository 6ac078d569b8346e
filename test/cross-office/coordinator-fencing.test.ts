/**
 * Fencing with real processes: the organizer office's leader is frozen (SIGSTOP) between its
 * prepares and its decision, past the holds' lease. The office elects a new leader, which finds
 * the undecided transaction and aborts it (presumed abort) in both offices. Then the old leader
 * resumes, and the messages it would send late (a prepare and a commit of its old term) are
 * replayed at both offices: they are refused, counted, and change nothing.
 */
import t from 'tap'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { queryClusterStatus } from '../../src/cluster/cluster-status.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { CrossOfficeMethods } from '../../src/cross-office/xoffice-api.js'
import type { DirectoryMethods } from '../../src/directory/directory-api.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { startTestCluster } from '../integration/cluster-fixture.js'

t.setTimeout(240_000)

const LEASE_MS = 3000

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, everyMs))
  }
}

t.test('a coordinator frozen past the lease is replaced; its late messages change nothing and are counted', async (t) => {
  const cluster = await startTestCluster(t, { offices: ['nyc', 'lon'], nodeArgs: ['--hold-lease-ms', String(LEASE_MS)] })
  const [nycLeader, lonLeader] = await Promise.all([cluster.waitForLeader('nyc'), cluster.waitForLeader('lon')])
  const nyc = cluster.client('nyc', 30_000)
  const lon = cluster.client('lon', 30_000)
  await nyc.call('user.add', { id: 'alice', office: 'nyc' })
  await lon.call('user.add', { id: 'lena', office: 'lon' })
  // Short attempts, so a client whose last good replica is frozen soon tries the others.
  const cross = (office: string, callTimeoutMs = 30_000) => {
    const client = new ClusterClient<CrossOfficeMethods>({ endpoints: officeClientUrls(cluster.config, office), attemptTimeoutMs: 1000, callTimeoutMs })
    t.teardown(() => client.close())
    return client
  }
  const xnyc = cross('nyc')
  const xlon = cross('lon')
  t.equal((await xnyc.call('xoffice.book', { organizer: 'alice', attendees: ['lena'], start: '2026-03-20T09:00', durationMinutes: 30 })).status, 'booked')
  // nyc's own directory must know lena: else the booking below would ask lon where she lives,
  // and lon, frozen, would stall it before any prepare.
  const directory = new ClusterClient<DirectoryMethods>({ endpoints: officeClientUrls(cluster.config, 'nyc') })
  t.teardown(() => directory.close())
  await waitFor("nyc's directory entry for lena", async () => ((await directory.call('directory.lookup', { users: ['lena'] })).users[0]?.office === 'lon' ? true : undefined))

  // Every lon replica is frozen, so the prepare sent there hangs whichever of them leads (freezing
  // only the leader let lon elect another, which answered a retried prepare, and nyc committed).
  const lonReplicas = [...cluster.replicas.keys()].filter((id) => id.startsWith('lon-'))
  for (const id of lonReplicas) cluster.replicas.get(id)!.pause()
  t.comment(`froze lon (leader was ${lonLeader.leader})`)
  const bookingClient = new ClusterClient<CrossOfficeMethods>({ endpoints: officeClientUrls(cluster.config, 'nyc'), attemptTimeoutMs: 10_000, callTimeoutMs: 120_000 })
  const booking = bookingClient
    .call('xoffice.book', { organizer: 'alice', attendees: ['lena'], start: '2026-03-18T10:00', durationMinutes: 60, title: 'frozen' })
    .catch((error: Error) => error)
    .finally(() => bookingClient.close())
  await waitFor("nyc's hold", async () => ((await xnyc.call('xoffice.stats', {}, { timeoutMs: 1000 })).preparedHolds === 1 ? true : undefined), 10_000, 20)
  const oldCoordinator = cluster.replicas.get(nycLeader.leader!)!
  oldCoordinator.pause()
  const frozenAt = Date.now()
  for (const id of lonReplicas) cluster.replicas.get(id)!.resume()
  t.comment(`froze ${nycLeader.leader} (term ${nycLeader.term}) between prepare and decision`)

  const newLeader = await cluster.waitForLeader('nyc', { exclude: nycLeader.leader!, timeoutMs: 30_000 })
  const oldTerm = nycLeader.term ?? 0
  t.ok((newLeader.term ?? 0) > oldTerm, `nyc elected ${newLeader.leader} in term ${newLeader.term}`)
  await waitFor('the new leader to abort the transaction in both offices', async () => {
    const [a, b] = await Promise.all([xnyc.call('xoffice.stats', {}, { timeoutMs: 5000 }), xlon.call('xoffice.stats', {}, { timeoutMs: 5000 })])
    return a.openTransactions === 0 && a.preparedHolds === 0 && b.preparedHolds === 0 ? true : undefined
  })
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, frozenAt + LEASE_MS + 500 - Date.now())))
  oldCoordinator.resume()

  const answer = await booking
  if (answer instanceof Error || answer.status !== 'aborted') throw t.fail(`expected a presumed abort, got ${String(answer instanceof Error ? answer.message : JSON.stringify(answer))}`)
  t.match(answer.reason, /presumed abort/)
  const txId = answer.transaction
  const decided = await xnyc.call('xoffice.transaction', { txId })
  t.match(decided.phase, { kind: 'decided', decision: { kind: 'abort' }, finished: true })

  const before = await Promise.all([xnyc.call('xoffice.stats', {}), xlon.call('xoffice.stats', {})])
  // What the old leader (term oldTerm) would still send: a prepare retry and its commit.
  const meeting = { organizer: 'alice', required: ['lena'], optional: [], title: 'frozen', zone: 'America/New_York', start: { year: 2026, month: 3, day: 18, hour: 10, minute: 0, second: 0 }, durationMinutes: 60, lines: [] }
  for (const [office, client, local] of [['nyc', xnyc, ['alice']], ['lon', xlon, ['lena']]] as const) {
    const prepare = await client.call('xoffice.prepare', { txId, coordinatorOffice: 'nyc', coordinatorTerm: oldTerm, intent: { kind: 'book', meeting, override: false, priority: 1 }, required: [...local], optional: [], leaseMs: LEASE_MS })
    t.match(prepare, { kind: 'fenced', rejection: 'staleTerm' }, `${office} refuses the old term's prepare`)
    const commit = await client.call('xoffice.decide', { txId, coordinatorTerm: oldTerm, decision: 'commit', token: 1 })
    t.match(commit, { kind: 'fenced', rejection: 'staleTerm' }, `${office} refuses the old term's commit`)
  }
  const after = await Promise.all([xnyc.call('xoffice.stats', {}), xlon.call('xoffice.stats', {})])
  after.forEach((stats, i) => {
    t.equal(stats.fenced.staleTerm - (before[i]?.fenced.staleTerm ?? 0), 2, `${stats.office} counted both late messages`)
    t.equal(stats.preparedHolds, 0, `${stats.office} holds nothing`)
  })
  for (const [client, office] of [[nyc, 'nyc'], [lon, 'lon']] as const) {
    const found = await client.call('meeting.get', { id: txId }).catch((error: Error) => error)
    t.ok(found instanceof RpcError && found.code === 'NOT_FOUND', `office ${office} has no meeting ${txId}`)
  }
  const agendas = [await nyc.call('calendar.agenda', { user: 'alice', from: '2026-03-18T00:00:00Z', to: '2026-03-19T00:00:00Z' }), await lon.call('calendar.agenda', { user: 'lena', from: '2026-03-18T00:00:00Z', to: '2026-03-19T00:00:00Z' })]
  t.same(agendas.map((a) => a.events), [[], []], 'neither calendar has the meeting')
  const status = await queryClusterStatus(cluster.config, 1000)
  t.comment(`after resume: nyc leader ${status.offices.find((o) => o.id === 'nyc')?.leader}; fenced counts ${JSON.stringify(after.map((s) => s.fenced))}`)
})
