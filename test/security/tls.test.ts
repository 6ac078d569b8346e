import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { RpcConnection } from '../../src/client/rpc-connection.js'
import { freeLoopbackPort } from '../../src/cluster/ephemeral-cluster.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import type { EventLogger } from '../../src/logging/event-logger.js'
import { OfficeReplica } from '../../src/node/office-replica.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { makeDevCertificates } from '../../src/security/dev-certificates.js'
import { loadReplicaSecurity } from '../../src/security/replica-security.js'
import { readFile } from 'node:fs/promises'
import { nycOffice } from './nyc-office.js'

const quiet: EventLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet }

t.test('replicas serve and dial wss:// with a dev CA; clients verify against it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dms-tls-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const files = await makeDevCertificates(join(dir, 'certs'), ['127.0.0.1'])
  const replicas = [
    { id: 'nyc-1', host: '127.0.0.1', port: await freeLoopbackPort() },
    { id: 'nyc-2', host: '127.0.0.1', port: await freeLoopbackPort() },
  ]
  const { config } = parseClusterConfig(
    { clusterId: 'tls-test', timing: { tickMs: 10, electionTicks: 5, heartbeatTicks: 1 }, security: { tls: files }, offices: [nycOffice(replicas)] },
    'tls-test',
  )
  const nodes = await Promise.all(replicas.map((r) => OfficeReplica.start({ config, nodeId: r.id, dataDir: join(dir, 'data'), logger: quiet })))
  t.teardown(() => Promise.all(nodes.map((node) => node.stop())))
  const urls = officeClientUrls(config, 'nyc')
  t.ok(urls.every((url) => url.startsWith('wss://')), 'client URLs are wss://')

  const trusted = new ClusterClient<OfficeMethods>({ endpoints: urls, callTimeoutMs: 15_000, ca: await readFile(files.caFile) })
  t.teardown(() => trusted.close())
  const put = await trusted.call('kv.put', { key: 'over', value: 'tls' })
  t.equal(put.value, 'tls', 'a write commits: the two replicas reached each other over wss:// to elect a leader and replicate')

  const untrusting = new RpcConnection(urls[0] ?? '', { ca: () => null })
  t.teardown(() => untrusting.close())
  const refused = await untrusting.request('probe-1', 'replica.status', {}, 5000).then(() => null, (error: unknown) => error)
  t.ok(refused instanceof RpcError, 'a client that does not trust the dev CA cannot connect')
  t.match((refused as RpcError).message, /certificate/i, 'and is told why')

  const plain = new ClusterClient<OfficeMethods>({ endpoints: urls.map((url) => url.replace('wss://', 'ws://')), callTimeoutMs: 1500 })
  t.teardown(() => plain.close())
  await t.rejects(plain.call('replica.status', {}), RpcError, 'plain ws:// to a TLS port gets no answer')
})

t.test('plain ws:// on a non-loopback address is refused unless the config allows it', async (t) => {
  const config = (allowNonLoopback: boolean) =>
    parseClusterConfig({ clusterId: 'c', security: { allowNonLoopback }, offices: [nycOffice([{ id: 'nyc-1', host: '10.1.2.3', port: 7001 }])] }, 'test').config
  await t.rejects(loadReplicaSecurity(config(false), 'nyc-1', Date.now, {}), /nyc-1 listens on 10\.1\.2\.3, not a loopback address, without TLS: set security\.tls/)
  t.ok(await loadReplicaSecurity(config(true), 'nyc-1', Date.now, {}), 'allowed explicitly')
})

t.test('missing or non-PEM TLS files are named in the error', async (t) => {
  const config = parseClusterConfig(
    { clusterId: 'c', security: { tls: { certFile: '/nonexistent/replica.pem', keyFile: '/etc/hostname' } }, offices: [nycOffice([{ id: 'nyc-1', host: '127.0.0.1', port: 7001 }])] },
    'test',
  ).config
  await t.rejects(loadReplicaSecurity(config, 'nyc-1', Date.now, {}), /security\.tls\.certFile: cannot read \/nonexistent\/replica\.pem: no such file/)
})
