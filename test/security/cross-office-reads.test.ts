/**
 * Reads that cross offices, with authentication on: a stranger in New York asking about a person in
 * London gets her free/busy through the office-to-office fan-out (the London replica answers the
 * New York replica, a peer), and nothing of her event's title; her agenda stays hers.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ClusterClient, type MethodMap } from '../../src/client/cluster-client.js'
import { freeLoopbackPort } from '../../src/cluster/ephemeral-cluster.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import { createEventLogger } from '../../src/logging/event-logger.js'
import { OfficeReplica } from '../../src/node/office-replica.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { newToken, rootToken } from '../../src/security/client-credentials.js'
import { ClusterSecret } from '../../src/security/cluster-secret.js'
import { nycOffice } from './nyc-office.js'
import { SECRET_TEXT } from './secured-office.js'

const CLUSTER_ID = 'cross-office-reads'
const TITLE = 'SECRET-board-dinner'
const WINDOW = { from: '2026-03-09T00:00:00Z', to: '2026-03-14T00:00:00Z' }

t.test("a stranger's reads of a person in another office: free/busy through the fan-out, no title", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dms-xoffice-reads-'))
  const secretFile = join(dir, 'cluster.secret')
  await writeFile(secretFile, SECRET_TEXT, { mode: 0o600 })
  const ports = { nyc: await freeLoopbackPort(), lon: await freeLoopbackPort() }
  const raw = {
    clusterId: CLUSTER_ID,
    timing: { tickMs: 10, electionTicks: 5, heartbeatTicks: 1 },
    security: { peerSecretFile: secretFile, clientAuth: true },
    offices: [
      nycOffice([{ id: 'nyc-1', host: '127.0.0.1', port: ports.nyc }]),
      { ...nycOffice([{ id: 'lon-1', host: '127.0.0.1', port: ports.lon }]), id: 'lon', name: 'London', timeZone: 'Europe/London' },
    ],
  }
  const { config } = parseClusterConfig(raw, 'cross-office-reads')
  const logger = createEventLogger({ level: 'error', bindings: {} })
  const nodes = [await OfficeReplica.start({ config, nodeId: 'nyc-1', dataDir: dir, logger }), await OfficeReplica.start({ config, nodeId: 'lon-1', dataDir: dir, logger })]
  const clients: Array<ClusterClient<MethodMap>> = []
  t.teardown(async () => {
    for (const client of clients) client.close()
    for (const node of nodes) await node.stop()
    await rm(dir, { recursive: true, force: true })
  })
  const at = (office: 'nyc' | 'lon', authorization: string) => {
    const client = new ClusterClient<MethodMap>({ endpoints: [`ws://127.0.0.1:${ports[office]}/client`], callTimeoutMs: 10_000, authorization: () => authorization })
    clients.push(client)
    return client
  }
  const root = `Bearer ${rootToken(ClusterSecret.fromText(SECRET_TEXT, 'test'), CLUSTER_ID)}`
  await at('nyc', root).call('user.add', { id: 'mallory', office: 'nyc' }, { timeoutMs: 20_000 })
  await at('lon', root).call('user.add', { id: 'alice', office: 'lon' }, { timeoutMs: 20_000 })
  await at('lon', root).call('event.add', { user: 'alice', start: '2026-03-10T13:00', end: '2026-03-10T14:00', title: TITLE })
  const made = newToken()
  for (const office of ['nyc', 'lon'] as const) await at(office, root).call('token.create', { id: made.id, hash: made.hash, grant: { role: 'user', user: 'mallory' }, label: '' })
  const mallory = `Bearer ${made.token}`

  const answer = async (office: 'nyc' | 'lon', method: string, params: unknown): Promise<string> => {
    try {
      return JSON.stringify(await at(office, mallory).call(method, params, { timeoutMs: 20_000 }))
    } catch (err) {
      if (err instanceof RpcError) return `${err.code}: ${err.message}`
      throw err
    }
  }
  const availability = await answer('nyc', 'calendar.availability', { users: ['mallory', 'alice'], ...WINDOW })
  t.match(availability, /2026-03-10T13:00:00/, "alice's busy hour came from London")
  t.notMatch(availability, /SECRET-|evt-/, 'without its title or id')
  // Inside both offices' working hours (New York is UTC-4 after March 8, London UTC).
  const suggested = await answer('nyc', 'calendar.suggest', { organizer: 'mallory', attendees: ['alice'], durationMinutes: 60, from: '2026-03-10T13:00:00Z', to: '2026-03-10T14:00:00Z' })
  t.match(suggested, /alice/, 'a suggestion over her busy hour says she is busy')
  t.notMatch(suggested, /SECRET-|evt-/, 'and names nothing of the event')
  const conflicts = await answer('nyc', 'calendar.conflicts', { organizer: 'mallory', attendees: ['alice'], start: '2026-03-10T13:00:00Z', durationMinutes: 30 })
  t.match(conflicts, /alice/)
  t.notMatch(conflicts, /SECRET-|evt-/, 'a conflict report neither')
  const direct = await answer('lon', 'calendar.freeBusy', { users: ['alice'], ...WINDOW })
  t.notMatch(direct, /SECRET-|evt-/, "London's own free/busy answer to a stranger has no title either")
  t.match(await answer('lon', 'calendar.agenda', { user: 'alice', ...WINDOW }), /^FORBIDDEN: calendar\.agenda: user "mallory"/, 'her agenda is refused in her office')
  t.match(await answer('lon', 'event.list', { user: 'alice' }), /^FORBIDDEN: event\.list/)
})
