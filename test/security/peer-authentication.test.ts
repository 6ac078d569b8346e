import t, { type Test } from 'tap'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import { PeerTransport } from '../../src/rpc/peer-transport.js'
import type { HandshakeTranscript } from '../../src/rpc/peer-handshake.js'
import { ClusterSecret, CLUSTER_SECRET_ENV, createClusterSecretFile, loadClusterSecret } from '../../src/security/cluster-secret.js'
import { hmacPeerAuthenticator } from '../../src/security/hmac-peer-authenticator.js'
import { eventually } from '../rpc/fixtures/eventually.js'
import { listenOnLoopback } from '../rpc/fixtures/listen-on-loopback.js'

const secretA = ClusterSecret.fromText('a'.repeat(64), 'test')
const secretB = ClusterSecret.fromText('b'.repeat(64), 'test')

interface Side {
  readonly transport: PeerTransport
  readonly warnings: string[]
  readonly received: number[]
  readonly port: number
}

/** One replica with a real listener; `clusterId` defaults to "acme". */
async function startSide(t: Test, nodeId: string, secret: ClusterSecret, clusterId = 'acme'): Promise<Side> {
  const warnings: string[] = []
  const received: number[] = []
  let transport: PeerTransport | null = null
  const listener = await listenOnLoopback({ onPeer: (socket, remote) => transport?.acceptIncoming(socket, remote) })
  transport = new PeerTransport({
    self: { clusterId, officeId: 'nyc', nodeId },
    peers: new Map(),
    deliver: (message) => received.push(message.term),
    random: () => 0.5,
    authenticator: hmacPeerAuthenticator(secret),
    logger: { warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields ?? {})}`) },
    backoff: { baseMs: 20, maxMs: 100 },
    pingIntervalMs: 60_000,
  })
  t.teardown(async () => {
    transport?.close()
    await listener.close()
  })
  return { transport, warnings, received, port: listener.port }
}

function dial(from: Side, toId: string, to: Side): void {
  from.transport.setPeers(new Map([[toId, `ws://127.0.0.1:${to.port}/peer`]]))
  from.transport.start()
}

const heartbeat = (from: string, to: string, term: number) => ({ type: 'heartbeat' as const, from, to, term, commit: 0, readContext: null })

t.test('two replicas with the same secret connect and exchange Raft messages', async (t) => {
  const a = await startSide(t, 'nyc-1', secretA)
  const b = await startSide(t, 'nyc-2', ClusterSecret.fromText('a'.repeat(64), 'same text, other object'))
  b.transport.setPeers(new Map([['nyc-1', 'ws://127.0.0.1:1/peer']]))
  dial(a, 'nyc-2', b)
  await eventually(() => a.transport.connectedPeers().includes('nyc-2'), 'the authenticated link')
  a.transport.send([heartbeat('nyc-1', 'nyc-2', 7)])
  await eventually(() => b.received.includes(7), 'the heartbeat')
  t.pass('delivered')
})

t.test('a dialer with the wrong secret is refused (4401) and the refusal is logged on both ends', async (t) => {
  const acceptor = await startSide(t, 'nyc-2', secretA)
  acceptor.transport.setPeers(new Map([['nyc-1', 'ws://127.0.0.1:1/peer']]))
  const intruder = await startSide(t, 'nyc-1', secretB)
  dial(intruder, 'nyc-2', acceptor)
  await eventually(() => acceptor.warnings.some((w) => w.includes('refused a peer connection') && w.includes('failed authentication')), 'the acceptor to log the refusal')
  await eventually(() => intruder.warnings.some((w) => w.includes('peer refused our link') && w.includes('4401')), 'the dialer to see 4401')
  intruder.transport.send([heartbeat('nyc-1', 'nyc-2', 9)])
  t.same(intruder.transport.connectedPeers(), [], 'never connected')
  t.same(acceptor.received, [], 'nothing delivered')
  t.notMatch([...acceptor.warnings, ...intruder.warnings].join('\n'), /a{16}|b{16}/, 'no secret in any log line')
})

t.test('an acceptor that does not hold the secret is abandoned by the dialer (mutual authentication)', async (t) => {
  const dialer = await startSide(t, 'nyc-1', secretA)
  // The impostor's own verification is open, so only the dialer's check can stop the link.
  const impostor = await startSide(t, 'nyc-2', secretB)
  impostor.transport.setPeers(new Map([['nyc-1', 'ws://127.0.0.1:1/peer']]))
  dial(dialer, 'nyc-2', impostor)
  await eventually(() => dialer.warnings.some((w) => w.includes('peer handshake failed') || w.includes('peer refused our link')), 'the dialer to give up')
  t.same(dialer.transport.connectedPeers(), [])
})

t.test('a node of another cluster is refused even with the same secret', async (t) => {
  const acceptor = await startSide(t, 'nyc-2', secretA, 'acme')
  acceptor.transport.setPeers(new Map([['nyc-1', 'ws://127.0.0.1:1/peer']]))
  const foreign = await startSide(t, 'nyc-1', secretA, 'globex')
  dial(foreign, 'nyc-2', acceptor)
  await eventually(() => acceptor.warnings.some((w) => w.includes('refused a peer connection') && w.includes('cluster \\"globex\\"')), 'the refusal')
  t.same(foreign.transport.connectedPeers(), [])
})

t.test('proofs are bound to role, nodes and both nonces', async (t) => {
  const auth = hmacPeerAuthenticator(secretA)
  const base: HandshakeTranscript = { clusterId: 'acme', officeId: 'nyc', dialer: 'nyc-1', acceptor: 'nyc-2', acceptorNonce: new Uint8Array(32).fill(1), dialerNonce: new Uint8Array(32).fill(2) }
  const proof = auth.prove('dialer', base)
  t.equal(proof.length, 32)
  t.ok(auth.verify('dialer', base, proof))
  t.notOk(auth.verify('acceptor', base, proof), 'not valid for the other role')
  const variants: Array<[string, HandshakeTranscript]> = [
    ['cluster', { ...base, clusterId: 'acmf' }],
    ['office', { ...base, officeId: 'lon' }],
    ['dialer', { ...base, dialer: 'nyc-3' }],
    ['acceptor', { ...base, acceptor: 'nyc-3' }],
    ['acceptor nonce', { ...base, acceptorNonce: new Uint8Array(32).fill(3) }],
    ['dialer nonce', { ...base, dialerNonce: new Uint8Array(32).fill(3) }],
    // Shifting a byte between two adjacent fields must not keep the same MAC.
    ['field boundary', { ...base, dialer: 'nyc-1n', acceptor: 'yc-2' }],
  ]
  for (const [name, transcript] of variants) t.notOk(auth.verify('dialer', transcript, proof), `changed ${name} invalidates the proof`)
  t.notOk(auth.verify('dialer', base, proof.subarray(0, 16)), 'a truncated proof is refused')
  t.notOk(hmacPeerAuthenticator(secretB).verify('dialer', base, proof), 'another secret does not verify it')
})

t.test('the secret is loaded from a file or the environment and never printed', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dms-secret-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const file = join(dir, 'sub', 'cluster.secret')
  await createClusterSecretFile(file)
  const loaded = await loadClusterSecret(file, {})
  t.ok(loaded !== null && loaded.hmacKey().length === 64, 'a 256-bit hex secret')
  t.equal(`${String(loaded)} ${JSON.stringify({ loaded })} ${inspect(loaded)}`, '[cluster secret] {"loaded":"[cluster secret]"} [cluster secret]')
  await t.rejects(createClusterSecretFile(file), /already there; not overwriting/)
  await chmod(file, 0o644)
  await t.rejects(loadClusterSecret(file, {}), /readable by group or others \(mode 644\); run chmod 600/)
  await t.rejects(loadClusterSecret(join(dir, 'missing'), {}), /missing: no such cluster secret file/)
  const short = join(dir, 'short')
  await writeFile(short, 'tiny\n', { mode: 0o600 })
  await t.rejects(loadClusterSecret(short, {}), /short: the cluster secret must be at least 16 bytes/)
  t.equal(await loadClusterSecret(null, {}), null, 'no file and no variable: authentication off')
  t.ok((await loadClusterSecret(null, { [CLUSTER_SECRET_ENV]: 'x'.repeat(20) })) !== null, 'from the environment')
  t.throws(() => ClusterSecret.fromText('', `environment variable ${CLUSTER_SECRET_ENV}`), /environment variable DMS_CLUSTER_SECRET: the cluster secret must be/)
})
