/**
 * Peer authentication between real `dms node` processes. Two replicas of office nyc share the
 * cluster secret; the third has a wrong one, and later a config of another cluster. The two form
 * the office; the third is refused both ways, each refusal logged at both ends. Every replica
 * reaches the others through a TCP proxy that records the bytes, and neither secret is among them.
 */
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { freeLoopbackPort } from '../../src/cluster/ephemeral-cluster.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { tsxLauncher } from '../integration/cluster-fixture.js'
import { startBlackholeProxy } from '../rpc/fixtures/blackhole-proxy.js'
import { eventually } from '../rpc/fixtures/eventually.js'
import { nycOffice } from './nyc-office.js'

const SECRET = 'c0ffee'.repeat(11)
const WRONG_SECRET = 'bad5ec'.repeat(11)
const IDS = ['nyc-1', 'nyc-2', 'nyc-3'] as const
type Id = (typeof IDS)[number]

interface Replica {
  readonly process: ChildProcess
  /** Its log: one JSON line per event. */
  log: string
}

/** Each replica's config lists itself at its real port and the others behind their recording proxies. */
async function configFor(dir: string, self: Id, clusterId: string, ports: Record<Id, number>, proxies: Record<Id, number>): Promise<string> {
  const replicas = IDS.map((id) => ({ id, host: '127.0.0.1', port: id === self ? ports[id] : proxies[id] }))
  const file = join(dir, `${self}-${clusterId}.json`)
  await writeFile(file, JSON.stringify({ clusterId, timing: { tickMs: 20, electionTicks: 10, heartbeatTicks: 2 }, offices: [nycOffice(replicas)] }))
  return file
}

function startReplica(t: Test, id: Id, config: string, dataDir: string, secret: string): Replica {
  const child = spawn(tsxLauncher.command, [...tsxLauncher.args, 'node', '--config', config, '--id', id, '--data', dataDir], {
    env: { ...process.env, DMS_CLUSTER_SECRET: secret },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const replica: Replica = { process: child, log: '' }
  child.stdout?.on('data', (chunk: Buffer) => (replica.log += chunk.toString('utf8')))
  child.stderr?.on('data', (chunk: Buffer) => (replica.log += chunk.toString('utf8')))
  t.teardown(() => stopReplica(replica))
  return replica
}

async function stopReplica(replica: Replica): Promise<void> {
  if (replica.process.exitCode !== null || replica.process.signalCode !== null) return
  const exited = new Promise((resolve) => replica.process.once('exit', resolve))
  replica.process.kill('SIGKILL')
  await exited
}

/** Log lines of `replica` with this message that mention every one of `words`. */
function logged(replica: Replica, message: string, ...words: string[]): boolean {
  return replica.log.split('\n').some((line) => line.includes(`"${message}"`) && words.every((w) => line.includes(w)))
}

t.test('a replica with a wrong secret, then one of another cluster, is refused and logged at both ends; no secret on the wire', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dms-peer-proc-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const wire: Buffer[] = []
  const ports = { 'nyc-1': await freeLoopbackPort(), 'nyc-2': await freeLoopbackPort(), 'nyc-3': await freeLoopbackPort() }
  const proxies = { 'nyc-1': 0, 'nyc-2': 0, 'nyc-3': 0 }
  for (const id of IDS) {
    const proxy = await startBlackholeProxy(ports[id], (chunk) => wire.push(Buffer.from(chunk)))
    t.teardown(() => proxy.close())
    proxies[id] = proxy.port
  }
  const configs = { 'nyc-1': '', 'nyc-2': '', 'nyc-3': '' }
  for (const id of IDS) configs[id] = await configFor(dir, id, 'acme', ports, proxies)

  const one = startReplica(t, 'nyc-1', configs['nyc-1'], join(dir, 'data'), SECRET)
  const two = startReplica(t, 'nyc-2', configs['nyc-2'], join(dir, 'data'), SECRET)
  let three = startReplica(t, 'nyc-3', configs['nyc-3'], join(dir, 'data'), WRONG_SECRET)
  const waitMs = 90_000
  await eventually(() => /became leader/.test(one.log + two.log), 'the two replicas with the secret to elect a leader', waitMs)
  await eventually(() => logged(one, 'refused a peer connection', '4401') && logged(three, 'peer refused our link', '4401'), 'nyc-3 dialling nyc-1: refused (4401) and logged at both ends', waitMs)
  await eventually(() => logged(three, 'refused a peer connection', '4401') && logged(one, 'peer refused our link', '4401'), 'nyc-1 dialling nyc-3: refused (4401) and logged at both ends', waitMs)
  t.pass('wrong secret: refused both ways, logged at both ends')

  const status = new ClusterClient<OfficeMethods>({ endpoints: [`ws://127.0.0.1:${ports['nyc-3']}/client`], callTimeoutMs: 5000 })
  t.teardown(() => status.close())
  t.equal((await status.call('replica.status', {})).leader, null, 'nyc-3 never learned a leader')
  const office = new ClusterClient<OfficeMethods>({ endpoints: [`ws://127.0.0.1:${ports['nyc-1']}/client`, `ws://127.0.0.1:${ports['nyc-2']}/client`], callTimeoutMs: 5000 })
  t.teardown(() => office.close())
  t.match(await office.call('kv.put', { key: 'k', value: 'v' }, { timeoutMs: 20_000 }), { key: 'k', storeRevision: 1 }, 'the office of two commits writes')

  await stopReplica(three)
  const foreign = await configFor(dir, 'nyc-3', 'other', ports, proxies)
  three = startReplica(t, 'nyc-3', foreign, join(dir, 'foreign-data'), SECRET)
  await eventually(() => logged(one, 'refused a peer connection', 'cluster \\"other\\"') && logged(three, 'peer refused our link', '4403'), 'a replica of another cluster: refused (4403) and logged at both ends', waitMs)
  await eventually(() => logged(three, 'refused a peer connection', 'cluster \\"acme\\"') && logged(one, 'peer refused our link', '4403'), 'and refusing the other cluster in turn', waitMs)
  t.pass('another cluster: refused both ways, logged at both ends')

  const bytes = Buffer.concat(wire)
  t.ok(bytes.length > 10_000, `${bytes.length} bytes crossed the proxies`)
  for (const [name, secret] of [['the cluster secret', SECRET], ['the wrong secret', WRONG_SECRET]] as const) {
    t.notOk(bytes.includes(secret), `${name} never crossed the wire`)
    t.notOk(bytes.includes(Buffer.from(secret, 'hex')), `${name}, read as hex bytes, neither`)
    t.notOk([one, two, three].some((r) => r.log.includes(secret)), `nor is it in any log`)
  }
})
