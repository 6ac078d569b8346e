/**
 * The chaos proxy's "duplicate" fault on a real peer link: nyc-1's transport dials nyc-2 through
 * a FaultProxy that duplicates every message it may. Duplication models a sender re-sending a Raft
 * batch, so the handshake must pass untouched (a duplicated challenge or hello used to fail every
 * handshake: "peer did not welcome us as expected", "batch: expected array, received object")
 * and every batch arrives twice, both copies delivered to the core, which tolerates them.
 */
import t from 'tap'
import type { Message } from '../../raft/types.js'
import { ChaosEventLog } from '../../src/chaos/chaos-event-log.js'
import { FaultProxy } from '../../src/chaos/fault-proxy.js'
import { CLEAR_LINK } from '../../src/chaos/link-shape.js'
import { SeededRandom } from '../../src/chaos/seeded-random.js'
import { PEER_HANDSHAKE_MESSAGES } from '../../src/rpc/peer-handshake.js'
import { PeerTransport } from '../../src/rpc/peer-transport.js'
import { eventually } from '../rpc/fixtures/eventually.js'
import { listenOnLoopback } from '../rpc/fixtures/listen-on-loopback.js'

const clock = { now: () => performance.now() }
const self = (nodeId: string) => ({ clusterId: 'test-cluster', officeId: 'nyc', nodeId })
const heartbeat = (term: number): Message => ({ type: 'heartbeat', from: 'nyc-1', to: 'nyc-2', term, commit: term, readContext: null })

t.test('a duplicating link keeps the handshake intact and delivers every batch twice', async (t) => {
  const warnings: string[] = []
  const logger = { warn: (message: string) => warnings.push(message) }
  const received: Message[] = []
  const acceptor = new PeerTransport({ self: self('nyc-2'), peers: new Map([['nyc-1', 'ws://127.0.0.1:1/peer']]), deliver: (m) => received.push(m), random: () => 0.5, logger })
  const listener = await listenOnLoopback({ onPeer: (socket, remote) => acceptor.acceptIncoming(socket, remote) })
  const proxy = await FaultProxy.start({
    name: 'nyc-1>nyc-2',
    targetPort: listener.port,
    protocol: 'websocket',
    handshakeMessages: PEER_HANDSHAKE_MESSAGES,
    random: new SeededRandom(1),
    clock,
    log: new ChaosEventLog(clock),
  })
  proxy.setShape({ ...CLEAR_LINK, duplicateProbability: 1 })
  const dialer = new PeerTransport({
    self: self('nyc-1'),
    peers: new Map([['nyc-2', `ws://127.0.0.1:${proxy.port}/peer`]]),
    deliver: () => {},
    random: () => 0.5,
    logger,
    backoff: { baseMs: 10, maxMs: 80 },
  })
  t.teardown(async () => {
    dialer.close()
    acceptor.close()
    await proxy.close()
    await listener.close()
  })
  dialer.start()
  await eventually(() => dialer.connectedPeers().includes('nyc-2'), 'nyc-1 to shake hands with nyc-2 through the proxy')
  dialer.send([heartbeat(1)])
  await eventually(() => received.length === 2, 'the batch, twice')
  dialer.send([heartbeat(2)])
  await eventually(() => received.length === 4, 'the next batch, twice')
  t.same(received.map((m) => m.term), [1, 1, 2, 2])
  t.same(warnings, [], 'no failed handshake, no invalid frame')
  t.equal(dialer.stats().reconnects, 0, 'the first connection held')
  t.equal(acceptor.stats().invalidFrames, 0)
  t.ok(proxy.stats.framesDuplicated >= 2, `the proxy did duplicate (${proxy.stats.framesDuplicated} frames)`)
})
