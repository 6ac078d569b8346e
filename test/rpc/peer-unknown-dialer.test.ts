/**
 * A replica that lags behind a membership change is dialled by a member it does not know yet (a
 * leader added by entries it has not received). It must admit that dialer once its cluster-secret
 * proof checks out, and answer it at the /peer URL its hello advertised, while a known-removed
 * member and a wrong secret stay refused.
 */
import t, { type Test } from 'tap'
import type { Message } from '../../raft/types.js'
import { PeerTransport, type PeerTransportOptions } from '../../src/rpc/peer-transport.js'
import { ClusterSecret } from '../../src/security/cluster-secret.js'
import { hmacPeerAuthenticator } from '../../src/security/hmac-peer-authenticator.js'
import { eventually } from './fixtures/eventually.js'
import { listenOnLoopback } from './fixtures/listen-on-loopback.js'

const secret = ClusterSecret.fromText('s'.repeat(64), 'test')
const otherSecret = ClusterSecret.fromText('o'.repeat(64), 'test')

interface Replica {
  readonly id: string
  readonly transport: PeerTransport
  readonly url: string
  readonly received: Message[]
  readonly warnings: string[]
  /** Connections that arrived on this replica's listener. */
  readonly accepted: { count: number }
}

async function startReplica(t: Test, id: string, options: Partial<PeerTransportOptions> = {}): Promise<Replica> {
  const received: Message[] = []
  const warnings: string[] = []
  const accepted = { count: 0 }
  let transport: PeerTransport | null = null
  const listener = await listenOnLoopback({
    onPeer: (socket, remote) => {
      accepted.count++
      transport?.acceptIncoming(socket, remote)
    },
  })
  transport = new PeerTransport({
    self: { clusterId: 'acme', officeId: 'lon', nodeId: id },
    peers: new Map(),
    deliver: (message) => received.push(message),
    random: () => 0.5,
    authenticator: hmacPeerAuthenticator(secret),
    logger: { warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields ?? {})}`) },
    backoff: { baseMs: 10, maxMs: 80 },
    pingIntervalMs: 60_000,
    ...options,
  })
  t.teardown(async () => {
    transport?.close()
    await listener.close()
  })
  return { id, transport, url: `ws://127.0.0.1:${listener.port}/peer`, received, warnings, accepted }
}

/** A second address for `replica`, like the one its office recorded when it joined (the chaos harness's front relay). */
async function secondAddress(t: Test, replica: Replica): Promise<{ readonly url: string; readonly accepted: { count: number } }> {
  const accepted = { count: 0 }
  const listener = await listenOnLoopback({
    onPeer: (socket, remote) => {
      accepted.count++
      replica.transport.acceptIncoming(socket, remote)
    },
  })
  t.teardown(() => listener.close())
  return { url: `ws://127.0.0.1:${listener.port}/peer`, accepted }
}

const heartbeat = (from: string, to: string, term: number): Message => ({ type: 'heartbeat', from, to, term, commit: 0, readContext: null })
const heartbeatResponse = (from: string, to: string, term: number): Message => ({ type: 'heartbeatResponse', from, to, term, readContext: null })

/** `leader` dials `lagging`, which knows only `known` (not the leader). */
async function leaderDialsLagging(t: Test, leaderOptions: Partial<PeerTransportOptions> = {}) {
  const lagging = await startReplica(t, 'lon-1')
  lagging.transport.setPeers(new Map([['lon-2', 'ws://127.0.0.1:1/peer']]))
  const leader = await startReplica(t, 'lon-5', leaderOptions)
  leader.transport.setPeers(new Map([['lon-1', lagging.url]]))
  leader.transport.start()
  return { lagging, leader }
}

t.test('an authenticated dialer the acceptor does not know is admitted and answered at its advertised URL', async (t) => {
  const { lagging, leader } = await leaderDialsLagging(t)
  leader.transport.advertise(leader.url)
  await eventually(() => leader.transport.connectedPeers().includes('lon-1'), 'the leader to connect')
  leader.transport.send([heartbeat('lon-5', 'lon-1', 4)])
  await eventually(() => lagging.received.length === 1, 'the heartbeat at the lagging replica')
  t.match(lagging.warnings.join('\n'), /admitted an authenticated peer this replica does not know as a member yet/)
  lagging.transport.send([heartbeatResponse('lon-1', 'lon-5', 4)])
  await eventually(() => leader.received.length === 1, 'the answer at the leader')
  t.same(leader.received.map((m) => [m.type, m.from]), [['heartbeatResponse', 'lon-1']])
  t.equal(lagging.transport.stats().droppedUnknownPeer, 0, 'no answer dropped')
})

t.test('once membership records the node, its recorded address wins over the advertised one', async (t) => {
  const { lagging, leader } = await leaderDialsLagging(t, {})
  leader.transport.advertise(leader.url)
  const recorded = await secondAddress(t, leader)
  await eventually(() => leader.transport.connectedPeers().includes('lon-1'), 'the leader to connect')
  lagging.transport.send([heartbeatResponse('lon-1', 'lon-5', 4)])
  await eventually(() => leader.received.length === 1, 'the first answer, at the advertised URL')
  t.equal(recorded.accepted.count, 0)
  lagging.transport.setPeers(new Map([['lon-2', 'ws://127.0.0.1:1/peer'], ['lon-5', recorded.url]]))
  lagging.transport.send([heartbeatResponse('lon-1', 'lon-5', 5)])
  await eventually(() => leader.received.length === 2, 'the second answer')
  t.equal(recorded.accepted.count, 1, 'the second answer went to the recorded address')
})

t.test('a hello without an advertised URL (an older replica) is admitted; answers to it are dropped as before', async (t) => {
  const { lagging, leader } = await leaderDialsLagging(t)
  await eventually(() => leader.transport.connectedPeers().includes('lon-1'), 'the leader to connect')
  leader.transport.send([heartbeat('lon-5', 'lon-1', 4)])
  await eventually(() => lagging.received.length === 1, 'the heartbeat')
  lagging.transport.send([heartbeatResponse('lon-1', 'lon-5', 4)])
  await eventually(() => lagging.transport.stats().droppedUnknownPeer === 1, 'the answer to be dropped')
  t.equal(leader.accepted.count, 0, 'nobody dialled the leader')
})

t.test('a member this replica knows was removed is refused, and refused again after it was admitted', async (t) => {
  const lagging = await startReplica(t, 'lon-1')
  lagging.transport.setPeers(new Map([['lon-2', 'ws://127.0.0.1:1/peer']]), new Set(['lon-3']))
  const removed = await startReplica(t, 'lon-3')
  removed.transport.setPeers(new Map([['lon-1', lagging.url]]))
  removed.transport.start()
  await eventually(() => removed.warnings.some((w) => w.includes('peer refused our link') && w.includes('4403')), 'the refusal')
  t.match(lagging.warnings.join('\n'), /"lon-3\\" was removed from office \\"lon\\"/)
  t.same(removed.transport.connectedPeers(), [])

  // An unknown dialer admitted earlier is cut off once this replica learns it was removed.
  const { lagging: other, leader } = await leaderDialsLagging(t)
  leader.transport.advertise(leader.url)
  await eventually(() => leader.transport.connectedPeers().includes('lon-1'), 'the admitted link')
  other.transport.send([heartbeatResponse('lon-1', 'lon-5', 4)])
  await eventually(() => leader.received.length === 1, 'an answer while admitted')
  other.transport.setPeers(new Map([['lon-2', 'ws://127.0.0.1:1/peer']]), new Set(['lon-5']))
  await eventually(() => leader.warnings.some((w) => w.includes('removed from this office')), 'the leader to be disconnected')
  other.transport.send([heartbeatResponse('lon-1', 'lon-5', 5)])
  await eventually(() => other.transport.stats().droppedUnknownPeer === 1, 'the answer to the removed node to be dropped')
  t.equal(leader.received.length, 1)
})

t.test('a dialer with the wrong secret is refused as unauthenticated before any membership check', async (t) => {
  const lagging = await startReplica(t, 'lon-1')
  const intruder = await startReplica(t, 'lon-5', { authenticator: hmacPeerAuthenticator(otherSecret) })
  intruder.transport.advertise(intruder.url)
  intruder.transport.setPeers(new Map([['lon-1', lagging.url]]))
  intruder.transport.start()
  await eventually(() => intruder.warnings.some((w) => w.includes('peer refused our link') && w.includes('4401')), 'the refusal')
  t.match(lagging.warnings.join('\n'), /failed authentication/)
  t.notMatch(lagging.warnings.join('\n'), /admitted/)
  t.same(lagging.received, [])
  lagging.transport.send([heartbeatResponse('lon-1', 'lon-5', 4)])
  await eventually(() => lagging.transport.stats().droppedUnknownPeer === 1, 'no address learned from the intruder')
})
