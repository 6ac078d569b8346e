/**
 * Tokens in an office added later, with authentication on: replicas of three offices listening on
 * real sockets, and the real `dms` CLI (a child process) creating and revoking tokens with a
 * config that does not list the new office. The new office learns the earlier tokens as it joins
 * (`dms office add` waits for it), and every later create or revoke reaches it.
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
import type { OfficeMethods } from '../../src/office/office-api.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { pollUntil } from '../directory/poll-until.js'
import { runDms } from '../integration/run-dms.js'
import { nycOffice } from './nyc-office.js'
import { SECRET_TEXT } from './secured-office.js'

const office = (id: string, timeZone: string, port: number) => ({ ...nycOffice([{ id: `${id}-1`, host: '127.0.0.1', port }]), id, name: id, timeZone })

t.test('a token made before an office was added works there; revoked elsewhere, it is refused there', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dms-office-tokens-'))
  const secretFile = join(dir, 'cluster.secret')
  await writeFile(secretFile, SECRET_TEXT, { mode: 0o600 })
  const ports = { nyc: await freeLoopbackPort(), lon: await freeLoopbackPort(), tok: await freeLoopbackPort() }
  const raw = (ids: ReadonlyArray<'nyc' | 'lon' | 'tok'>) => ({
    clusterId: 'token-sync-test',
    timing: { tickMs: 10, electionTicks: 5, heartbeatTicks: 1 },
    security: { peerSecretFile: secretFile, clientAuth: true },
    offices: ids.map((id) => office(id, id === 'lon' ? 'Europe/London' : id === 'tok' ? 'Asia/Tokyo' : 'America/New_York', ports[id])),
  })
  const before = join(dir, 'before.json')
  const after = join(dir, 'after.json')
  await writeFile(before, JSON.stringify(raw(['nyc', 'lon'])))
  await writeFile(after, JSON.stringify(raw(['nyc', 'lon', 'tok'])))
  const logger = createEventLogger({ level: 'error', bindings: {} })
  const nodes: OfficeReplica[] = []
  const clients: Array<ClusterClient<MethodMap>> = []
  t.teardown(async () => {
    for (const client of clients) client.close()
    for (const node of nodes) await node.stop()
    await rm(dir, { recursive: true, force: true })
  })
  const start = async (file: string, raw: unknown, nodeId: string) => {
    nodes.push(await OfficeReplica.start({ config: parseClusterConfig(raw, file).config, nodeId, dataDir: dir, logger, crossOffice: { passIntervalMs: 200 } }))
  }
  await start(before, raw(['nyc', 'lon']), 'nyc-1')
  await start(before, raw(['nyc', 'lon']), 'lon-1')
  const dms = async (...args: string[]) => {
    const run = await runDms([...args, '--json'])
    if (run.code !== 0) throw new Error(`dms ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
    return JSON.parse(run.stdout)
  }
  /** What `token` may do at `officeId`: 'OK', or the error code and message. */
  const tryAt = async (officeId: 'nyc' | 'lon' | 'tok', token: string): Promise<string> => {
    const client = new ClusterClient<OfficeMethods & MethodMap>({ endpoints: [`ws://127.0.0.1:${ports[officeId]}/client`], callTimeoutMs: 5000, authorization: () => `Bearer ${token}` })
    clients.push(client)
    try {
      await client.call('user.list', {}, { timeoutMs: 10_000 })
      return 'OK'
    } catch (error) {
      if (error instanceof RpcError) return `${error.code}: ${error.message}`
      throw error
    } finally {
      client.close()
    }
  }

  await pollUntil(() => dms('status', '--config', before), (s: { offices: Array<{ leader: string | null }> }) => s.offices.every((o) => o.leader !== null), 'leaders of nyc and lon')
  const early = await dms('token', 'create', '--user', 'alice', '--label', 'made before tok', '--config', before)
  t.same(early.offices, ['nyc', 'lon'], 'stored in the offices of the old config')
  const doomed = await dms('token', 'create', '--admin', '--config', before)

  await start(after, raw(['nyc', 'lon', 'tok']), 'tok-1')
  const added = await dms('office', 'add', '--office', 'tok', '--config', after)
  t.same(added, { office: 'tok', announcedTo: ['nyc', 'lon'] })
  t.equal(await tryAt('tok', early.token), 'OK', 'the early token works in the new office as soon as it has joined')
  t.equal(await tryAt('tok', doomed.token), 'OK', 'so does the admin token')

  // Made and revoked with the old config, which does not reach tok: tok learns both from the others.
  const late = await dms('token', 'create', '--user', 'bob', '--config', before)
  t.same(await dms('token', 'revoke', doomed.id, '--config', before), { id: doomed.id, revoked: true })
  await pollUntil(() => tryAt('tok', late.token), (answer) => answer === 'OK', 'the token made later with the old config, at tok')
  const refused = await pollUntil(() => tryAt('tok', doomed.token), (answer) => answer !== 'OK', 'the revoked admin token refused at tok')
  t.match(refused, /^UNAUTHENTICATED: .*unknown or revoked/, 'revoked in nyc and lon, refused in tok')

  // Revoked only in tok (the new config lists it first): the revocation reaches the others.
  const tokFirst = join(dir, 'tok-first.json')
  await writeFile(tokFirst, JSON.stringify({ ...raw(['nyc', 'lon', 'tok']), offices: raw(['tok']).offices }))
  t.same(await dms('token', 'revoke', early.id, '--config', tokFirst), { id: early.id, revoked: true })
  for (const where of ['nyc', 'lon'] as const) {
    t.match(await pollUntil(() => tryAt(where, early.token), (answer) => answer !== 'OK', `alice's token refused at ${where}`), /^UNAUTHENTICATED/, `a revocation made in tok reaches ${where}`)
  }
})
