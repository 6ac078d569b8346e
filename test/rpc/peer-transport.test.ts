import t, { type Test } from 'tap'
import fc from 'fast-check'
import type { Message } from '../../raft/types.js'
import { ARRAY_FRAME_HEADER_BYTES, encodeFrame } from '../../src/rpc/frame-codec.js'
import { raftMessageSchema } from '../../src/rpc/raft-message-schema.js'
import { PeerTransport, type PeerTransportOptions } from '../../src/rpc/peer-transport.js'
import type { RpcLogger } from '../../src/rpc/rpc-logger.js'
import { startBlackholeProxy } from './fixtures/blackhole-proxy.js'
import { eventually } from './fixtures/eventually.js'
import { bytesAsArrays } from './fixtures/bytes-as-arrays.js'
import { listenOnLoopback, type LoopbackListener } from './fixtures/listen-on-loopback.js'
import { RawSocket } from './fixtures/raw-socket.js'

const CLUSTER = 'test-cluster'
const OFFICE = 'nyc'

interface Node {
  readonly id: string
  readonly transport: PeerTransport
  readonly listener: LoopbackListener
  readonly received: Message[]
  readonly warnings: string[]
}

/** Starts a replica's listener and transport; `peers` maps the other node ids to their ports. */
async function startNode(
  t: Test,
  id: string,
  peers: Record<string, number>,
  options: Partial<PeerTransportOptions> & { port?: number } = {},
): Promise<Node> {
  const received: Message[] = []
  const warnings: string[] = []
  const logger: RpcLogger = { warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields ?? {})}`) }
  let transport: PeerTransport | null = null
  const listener = await listenOnLoopback({
    onPeer: (socket, remote) => transport?.acceptIncoming(socket, remote),
    ...(options.port === undefined ? {} : { port: options.port }),
  })
  transport = new PeerTransport({
    self: { clusterId: CLUSTER, officeId: OFFICE, nodeId: id },
    peers: new Map(Object.entries(peers).map(([peer, port]) => [peer, `ws://127.0.0.1:${port}/peer`])),
    deliver: (message) => received.push(message),
    random: () => 0.5,
    logger,
    backoff: { baseMs: 10, maxMs: 80 },
    pingIntervalMs: 60_000,
    ...options,
  })
  const node: Node = { id, transport, listener, received, warnings }
  t.teardown(() => stopNode(node))
  return node
}

async function stopNode(node: Node): Promise<void> {
  node.transport.close()
  await node.listener.close()
}

/** Two nodes that know each other; b's port is reserved first so a can be told where b is. */
async function startPair(t: Test, aOptions: Partial<PeerTransportOptions> = {}) {
  const placeholder = await listenOnLoopback({})
  const bPort = placeholder.port
  await placeholder.close()
  const a = await startNode(t, 'nyc-1', { 'nyc-2': bPort }, aOptions)
  const b = await startNode(t, 'nyc-2', { 'nyc-1': a.listener.port }, { port: bPort })
  return { a, b, bPort }
}

const heartbeat = (from: string, to: string, term: number): Message => ({ type: 'heartbeat', from, to, term, commit: term, readContext: null })

const append = (from: string, to: string, bytes: number): Message => ({
  type: 'append',
  from,
  to,
  term: 3,
  prevLogIndex: 9,
  prevLogTerm: 2,
  commit: 9,
  entries: [
    { kind: 'command', term: 3, index: 10, data: new Uint8Array(bytes).fill(7) },
    { kind: 'noop', term: 3, index: 11 },
    { kind: 'config', term: 3, index: 12, change: { type: 'addLearner', node: 'nyc-4', context: new Uint8Array([1]) } },
  ],
})

t.test('messages sent in one turn travel as one frame and arrive intact and in order', async (t) => {
  const { a, b } = await startPair(t)
  a.transport.start()
  await eventually(() => a.transport.connectedPeers().includes('nyc-2'), 'nyc-1 to connect to nyc-2')
  const batch = [heartbeat('nyc-1', 'nyc-2', 1), append('nyc-1', 'nyc-2', 100), heartbeat('nyc-1', 'nyc-2', 2)]
  a.transport.send(batch.slice(0, 2))
  a.transport.send(batch.slice(2))
  await eventually(() => b.received.length === 3, 'three messages at nyc-2')
  t.same(bytesAsArrays(b.received), bytesAsArrays(batch))
  const data = (b.received[1] as Extract<Message, { type: 'append' }>).entries[0]
  t.ok(data?.kind === 'command' && data.data instanceof Uint8Array, 'entry data arrives as bytes')
  t.equal(a.transport.stats().framesSent, 1, 'one frame for the whole turn')
  t.equal(b.transport.stats().framesReceived, 1)
  // nyc-2 answers over its own link to nyc-1.
  b.transport.send([{ type: 'heartbeatResponse', from: 'nyc-2', to: 'nyc-1', term: 2, readContext: null }])
  await eventually(() => a.received.length === 1, 'the answer at nyc-1')
})

t.test('a batch over the frame limit is split; a single oversized message is dropped', async (t) => {
  const { a, b } = await startPair(t, { maxFrameBytes: 2000 })
  a.transport.start()
  await eventually(() => a.transport.connectedPeers().includes('nyc-2'), 'connection')
  const batch = Array.from({ length: 10 }, () => append('nyc-1', 'nyc-2', 500))
  a.transport.send([...batch, append('nyc-1', 'nyc-2', 5000)])
  await eventually(() => b.received.length === 10, 'the ten messages that fit')
  const stats = a.transport.stats()
  t.ok(stats.framesSent > 1, `split into ${stats.framesSent} frames`)
  t.equal(stats.droppedOversize, 1)
  t.match(a.warnings.join('\n'), /larger than the peer frame limit/)
})

t.test('a large batch fills frames in order up to the byte and message limits', async (t) => {
  const { a, b } = await startPair(t, { maxFrameBytes: 2000, maxMessagesPerFrame: 5 })
  a.transport.start()
  await eventually(() => a.transport.connectedPeers().includes('nyc-2'), 'connection')
  const appends = Array.from({ length: 10 }, () => append('nyc-1', 'nyc-2', 500))
  const perFrame = Math.floor((2000 - ARRAY_FRAME_HEADER_BYTES) / encodeFrame(appends[0] as Message).length)
  a.transport.send(appends)
  await eventually(() => b.received.length === 10, 'the ten appends')
  t.same(bytesAsArrays(b.received), bytesAsArrays(appends), 'intact and in order')
  t.equal(a.transport.stats().framesSent, Math.ceil(10 / perFrame), `${perFrame} appends per frame of at most 2000 bytes`)
  const heartbeats = Array.from({ length: 12 }, (_, i) => heartbeat('nyc-1', 'nyc-2', i + 1))
  a.transport.send(heartbeats)
  await eventually(() => b.received.length === 22, 'the twelve heartbeats')
  t.equal(a.transport.stats().framesSent, Math.ceil(10 / perFrame) + 3, 'five messages a frame at most')
  t.same(b.received.slice(10).map((m) => m.term), heartbeats.map((m) => m.term))
})

t.test('while connecting the queue is bounded; messages for unknown nodes are dropped', async (t) => {
  const { a, b } = await startPair(t, { maxQueuedMessages: 2 })
  a.transport.send([1, 2, 3, 4, 5].map((term) => heartbeat('nyc-1', 'nyc-2', term)))
  a.transport.send([heartbeat('nyc-1', 'nyc-9', 1)])
  await eventually(() => b.received.length === 2, 'the two queued messages')
  t.same(b.received.map((m) => m.term), [1, 2])
  t.equal(a.transport.stats().droppedQueueFull, 3)
  t.equal(a.transport.stats().droppedUnknownPeer, 1)
})

t.test('reconnects with backoff after the peer restarts, dropping messages meanwhile', async (t) => {
  const { a, b, bPort } = await startPair(t)
  a.transport.start()
  await eventually(() => a.transport.connectedPeers().includes('nyc-2'), 'first connection')
  await stopNode(b)
  await eventually(() => !a.transport.connectedPeers().includes('nyc-2'), 'nyc-1 to notice the restart')
  a.transport.send([heartbeat('nyc-1', 'nyc-2', 5)])
  await eventually(() => a.transport.stats().droppedDisconnected === 1, 'the message to be dropped')
  const restarted = await startNode(t, 'nyc-2', { 'nyc-1': a.listener.port }, { port: bPort })
  await eventually(() => a.transport.connectedPeers().includes('nyc-2'), 'reconnection')
  t.ok(a.transport.stats().reconnects >= 1, 'redialled')
  a.transport.send([heartbeat('nyc-1', 'nyc-2', 6)])
  await eventually(() => restarted.received.length === 1, 'delivery after restart')
  t.equal(restarted.received[0]?.term, 6)
})

t.test('a link that stops answering pings is declared dead and redialled', async (t) => {
  const placeholder = await listenOnLoopback({})
  const bPort = placeholder.port
  await placeholder.close()
  const proxy = await startBlackholeProxy(bPort)
  t.teardown(() => proxy.close())
  const a = await startNode(t, 'nyc-1', { 'nyc-2': proxy.port }, { pingIntervalMs: 50, handshakeTimeoutMs: 200 })
  const b = await startNode(t, 'nyc-2', { 'nyc-1': a.listener.port }, { port: bPort })
  a.transport.start()
  await eventually(() => a.transport.connectedPeers().includes('nyc-2'), 'connection through the proxy')
  proxy.blocked = true
  await eventually(() => !a.transport.connectedPeers().includes('nyc-2'), 'the silent link to be declared dead')
  t.match(a.warnings.join('\n'), /peer link unresponsive; redialling/)
  proxy.blocked = false
  await eventually(() => a.transport.connectedPeers().includes('nyc-2'), 'reconnection once the partition heals')
  a.transport.send([heartbeat('nyc-1', 'nyc-2', 9)])
  await eventually(() => b.received.some((m) => m.term === 9), 'delivery after the partition')
  t.pass('delivered after the partition healed')
})

/** Opens a raw /peer socket to `node` and completes the handshake as `as`. */
async function handshake(node: Node, hello: Record<string, unknown>): Promise<RawSocket> {
  const socket = await RawSocket.open(`ws://127.0.0.1:${node.listener.port}/peer`)
  const challenge = (await socket.next()) as { type: string; nonce: Uint8Array }
  if (challenge.type !== 'challenge') throw new Error('expected a challenge first')
  socket.send(encodeFrame({ type: 'hello', clusterId: CLUSTER, officeId: OFFICE, to: node.id, nonce: new Uint8Array(32), proof: new Uint8Array(0), ...hello }))
  return socket
}

t.test('a handshake naming the wrong cluster, office, target or node is refused', async (t) => {
  const b = await startNode(t, 'nyc-2', { 'nyc-1': 1, 'nyc-3': 2 }, { handshakeTimeoutMs: 300 })
  b.transport.setPeers(new Map([['nyc-1', 'ws://127.0.0.1:1/peer'], ['nyc-3', 'ws://127.0.0.1:2/peer']]), new Set(['nyc-0']))
  const refusals: Array<[string, Record<string, unknown>, number, RegExp]> = [
    ['other cluster', { nodeId: 'nyc-1', clusterId: 'other' }, 4403, /cluster "other"/],
    ['other office', { nodeId: 'nyc-1', officeId: 'lon' }, 4403, /office "lon"/],
    ['wrong target', { nodeId: 'nyc-1', to: 'nyc-3' }, 4403, /meant for "nyc-3"/],
    ['removed member', { nodeId: 'nyc-0' }, 4403, /"nyc-0" was removed from office "nyc"/],
    ['malformed', { nodeId: 42 }, 4400, /malformed hello: hello\.nodeId/],
    ['not a peer URL', { nodeId: 'nyc-1', peerUrl: 'http://127.0.0.1:1/peer' }, 4400, /malformed hello: hello\.peerUrl/],
    ['URL with a query', { nodeId: 'nyc-1', peerUrl: 'ws://127.0.0.1:1/peer?x=1' }, 4400, /hello\.peerUrl/],
  ]
  for (const [name, hello, code, reason] of refusals) {
    const socket = await handshake(b, hello)
    const closed = await socket.closed()
    t.equal(closed.code, code, name)
    t.match(closed.reason, reason, name)
  }
  const silent = await RawSocket.open(`ws://127.0.0.1:${b.listener.port}/peer`)
  t.teardown(() => silent.close())
  t.match(await silent.closed(), { code: 4400, reason: /no hello/ }, 'a silent dialer is dropped')
})

t.test('the authenticator decides: a refused proof closes with 4401, a failing prover gives up the dial', async (t) => {
  const proofs: string[] = []
  const a = await startNode(t, 'nyc-1', {}, {
    authenticator: {
      prove: (_role, transcript) => Buffer.from(`proof-of-${Buffer.from(transcript.acceptorNonce).toString('hex').slice(0, 4)}`),
      verify: () => false,
    },
  })
  const strict = new PeerTransport({
    self: { clusterId: CLUSTER, officeId: OFFICE, nodeId: 'nyc-2' },
    peers: new Map([['nyc-1', `ws://127.0.0.1:${a.listener.port}/peer`]]),
    deliver: () => {},
    random: () => 0.5,
    logger: { warn: () => {} },
    authenticator: {
      prove: () => {
        throw new Error('no secret configured')
      },
      verify: (role, transcript, proof) => {
        proofs.push(`${role}:${transcript.dialer}:${Buffer.from(proof).toString()}`)
        return false
      },
    },
  })
  t.teardown(() => strict.close())
  const listener = await listenOnLoopback({ onPeer: (socket, remote) => strict.acceptIncoming(socket, remote) })
  t.teardown(() => listener.close())
  a.transport.setPeers(new Map([['nyc-2', `ws://127.0.0.1:${listener.port}/peer`]]))
  a.transport.start()
  await eventually(() => a.warnings.some((w) => w.includes('peer refused our link') && w.includes('4401')), 'the refusal')
  t.match(proofs[0], /^dialer:nyc-1:proof-of-[0-9a-f]{4}$/, 'the verifier saw the dialer and its nonce-bound proof')
  t.same(a.transport.connectedPeers(), [])
  strict.start()
  await eventually(() => strict.stats().reconnects >= 1, 'the failing prover to give up and back off')
  t.equal(a.transport.stats().framesReceived, 0, 'nothing got through')
})

t.test('invalid peer frames are counted and logged and never reach the core', async (t) => {
  const b = await startNode(t, 'nyc-2', { 'nyc-1': 1 })
  const socket = await handshake(b, { nodeId: 'nyc-1' })
  t.teardown(() => socket.close())
  t.match(await socket.next(), { type: 'welcome', nodeId: 'nyc-2' })
  const good = heartbeat('nyc-1', 'nyc-2', 4)
  const invalid: Array<[string, Uint8Array | string]> = [
    ['garbage', Buffer.from([0xc1, 0x00, 0xff])],
    ['text', 'heartbeat'],
    ['not an array', encodeFrame(good)],
    ['empty batch', encodeFrame([])],
    ['unknown type', encodeFrame([{ ...good, type: 'gossip' }])],
    ['negative term', encodeFrame([{ ...good, term: -1 }])],
    ['fractional index', encodeFrame([{ ...good, commit: 1.5 }])],
    ['missing field', encodeFrame([{ type: 'vote', from: 'nyc-1', to: 'nyc-2', term: 2, lastLogIndex: 1, lastLogTerm: 1 }])],
    ['extra field', encodeFrame([{ ...good, extra: true }])],
    ['data not bytes', encodeFrame([{ ...append('nyc-1', 'nyc-2', 1), entries: [{ kind: 'command', term: 1, index: 1, data: 'text' }] }])],
    ['addressed to another node', encodeFrame([{ ...good, to: 'nyc-3' }])],
    ['forged sender', encodeFrame([{ ...good, from: 'nyc-3' }])],
    ['one bad message spoils the batch', encodeFrame([good, { ...good, term: 'x' }])],
  ]
  for (const [, bytes] of invalid) socket.send(bytes)
  socket.send(encodeFrame([good]))
  await eventually(() => b.received.length === 1, 'the valid frame')
  t.same(b.received, [good], 'only the valid frame was delivered')
  t.equal(b.transport.stats().invalidFrames, invalid.length)
  t.equal(b.warnings.filter((w) => w.startsWith('dropped an invalid peer frame')).length, invalid.length, 'each was logged')
  t.match(b.warnings.join('\n'), /batch\[0\]\.to: \\"nyc-3\\" is not this replica/)
  t.match(b.warnings.join('\n'), /arrived on the connection of \\"nyc-1\\"/)
})

t.test('generated peer frames never crash the node, and whatever is delivered is valid (fast-check)', async (t) => {
  const b = await startNode(t, 'nyc-2', { 'nyc-1': 1 })
  const socket = await handshake(b, { nodeId: 'nyc-1' })
  t.teardown(() => socket.close())
  await socket.next()
  const valid = encodeFrame([heartbeat('nyc-1', 'nyc-2', 1), append('nyc-1', 'nyc-2', 8)])
  const field = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.boolean(), fc.constant(null), fc.uint8Array({ maxLength: 4 }))
  const frameArb = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 200 }),
    fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
      const copy = Buffer.from(valid)
      copy[at] = value
      return copy
    }),
    // a real message with one field replaced by something of another type
    fc
      .tuple(fc.constantFrom('type', 'from', 'to', 'term', 'commit', 'readContext', 'entries'), field)
      .map(([key, value]) => encodeFrame([{ ...heartbeat('nyc-1', 'nyc-2', 2), [key]: value }])),
    fc.array(fc.anything({ maxDepth: 2 }), { maxLength: 3 }).map((value) => encodeFrame(value)),
  )
  let probes = 0
  await fc.assert(
    fc.asyncProperty(frameArb, async (bytes) => {
      socket.send(bytes)
      probes += 1
      socket.send(encodeFrame([heartbeat('nyc-1', 'nyc-2', 1000 + probes)]))
      await eventually(() => b.received.some((m) => m.term === 1000 + probes), `probe ${probes}`)
      return b.received.every((m) => raftMessageSchema.safeParse(m).success && m.to === 'nyc-2' && m.from === 'nyc-1')
    }),
    { numRuns: 300, seed: 424242 },
  )
  const stats = b.transport.stats()
  t.equal(stats.messagesReceived, b.received.length, 'every accepted message was delivered')
  t.ok(stats.invalidFrames > 250, `${stats.invalidFrames} of 300 generated frames refused`)
})
