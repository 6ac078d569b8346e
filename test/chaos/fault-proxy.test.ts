import t from 'tap'
import { WebSocket, WebSocketServer } from 'ws'
import { ChaosEventLog } from '../../src/chaos/chaos-event-log.js'
import { FaultProxy } from '../../src/chaos/fault-proxy.js'
import { CLEAR_LINK } from '../../src/chaos/link-shape.js'
import { SeededRandom } from '../../src/chaos/seeded-random.js'
import { connectLoopbackClient, eventually, pause, startLoopbackTarget } from './loopback-endpoints.js'

const clock = { now: () => performance.now() }

async function proxyTo(targetPort: number, protocol: 'websocket' | 'raw' = 'raw') {
  const log = new ChaosEventLog(clock)
  const proxy = await FaultProxy.start({ name: 'a>b', targetPort, protocol, random: new SeededRandom(1), clock, log })
  return { proxy, log }
}

t.test('bytes pass both ways', async (t) => {
  const target = await startLoopbackTarget()
  const { proxy } = await proxyTo(target.port)
  t.teardown(async () => {
    await proxy.close()
    await target.close()
  })
  const client = await connectLoopbackClient(proxy.port)
  client.socket.write('hello')
  await eventually(() => target.received() === 'hello', 'the target to receive')
  target.connections[0]?.write('world')
  await eventually(() => client.received() === 'world', 'the client to receive')
  t.equal(proxy.stats.connectionsAccepted, 1)
})

t.test('a blackhole holds everything, keeps the sockets open, and a heal delivers', async (t) => {
  const target = await startLoopbackTarget()
  const { proxy, log } = await proxyTo(target.port)
  t.teardown(async () => {
    await proxy.close()
    await target.close()
  })
  const client = await connectLoopbackClient(proxy.port)
  client.socket.write('before ')
  await eventually(() => target.received() === 'before ', 'the first bytes')
  proxy.setShape({ ...CLEAR_LINK, blackhole: true })
  client.socket.write('during')
  target.connections[0]?.write('reply')
  await pause(200)
  t.equal(target.received(), 'before ', 'nothing crossed toward the target')
  t.equal(client.received(), '', 'nothing crossed toward the client')
  t.notOk(client.socket.destroyed, 'the client socket is still open')
  proxy.setShape(CLEAR_LINK)
  await eventually(() => target.received() === 'before during' && client.received() === 'reply', 'delivery after the heal')
  t.same(
    log.entries().map((entry) => entry.action),
    ['listen', 'shape', 'shape'],
  )
})

t.test('a connection opened during a blackhole is answered only after the heal', async (t) => {
  const target = await startLoopbackTarget()
  const { proxy } = await proxyTo(target.port)
  t.teardown(async () => {
    await proxy.close()
    await target.close()
  })
  proxy.setShape({ ...CLEAR_LINK, blackhole: true })
  const client = await connectLoopbackClient(proxy.port)
  client.socket.write('knock')
  await pause(100)
  t.equal(target.received(), '')
  proxy.setShape(CLEAR_LINK)
  await eventually(() => target.received() === 'knock', 'delivery after the heal')
})

t.test('delay holds each unit at least the configured time, jitter keeps order', async (t) => {
  const target = await startLoopbackTarget()
  const { proxy } = await proxyTo(target.port)
  t.teardown(async () => {
    await proxy.close()
    await target.close()
  })
  const client = await connectLoopbackClient(proxy.port)
  proxy.setShape({ ...CLEAR_LINK, delayMs: 150, jitterMs: 30 })
  const sentAt = performance.now()
  client.socket.write('slow')
  await eventually(() => target.received() === 'slow', 'the delayed bytes')
  t.ok(performance.now() - sentAt >= 145, 'arrived no sooner than the delay (allowing timer rounding)')

  proxy.setShape({ ...CLEAR_LINK, delayMs: 1, jitterMs: 20 })
  const expected: string[] = []
  for (let i = 0; i < 200; i++) {
    expected.push(`<${i}>`)
    client.socket.write(`<${i}>`)
    if (i % 20 === 0) await pause(1)
  }
  await eventually(() => target.received() === `slow${expected.join('')}`, 'all chunks in order')
  t.pass('200 jittered chunks arrived in order')
})

t.test('a bandwidth limit stretches a transfer', async (t) => {
  const target = await startLoopbackTarget()
  const { proxy } = await proxyTo(target.port)
  t.teardown(async () => {
    await proxy.close()
    await target.close()
  })
  const client = await connectLoopbackClient(proxy.port)
  proxy.setShape({ ...CLEAR_LINK, bytesPerSecond: 100_000 })
  const payload = 'x'.repeat(20_000)
  const sentAt = performance.now()
  client.socket.write(payload)
  await eventually(() => target.received().length === payload.length, 'the whole payload')
  t.ok(performance.now() - sentAt >= 150, '20 kB at 100 kB/s takes at least ~200 ms (bound kept loose)')
})

t.test('reset destroys open connections on both sides', async (t) => {
  const target = await startLoopbackTarget()
  const { proxy, log } = await proxyTo(target.port)
  t.teardown(async () => {
    await proxy.close()
    await target.close()
  })
  const client = await connectLoopbackClient(proxy.port)
  await eventually(() => target.connections.length === 1, 'the upstream connection')
  const upstreamClosed = new Promise<void>((resolve) => target.connections[0]?.once('close', () => resolve()))
  proxy.resetConnections()
  await client.closed
  await upstreamClosed
  t.equal(proxy.stats.openConnections, 0)
  t.equal(log.entries().at(-1)?.action, 'reset')
})

t.test('a dead target looks like a refused connection', async (t) => {
  const target = await startLoopbackTarget()
  const deadPort = target.port
  await target.close()
  const { proxy } = await proxyTo(deadPort)
  t.teardown(() => proxy.close())
  const client = await connectLoopbackClient(proxy.port)
  await client.closed
  t.pass('the client connection was closed')
})

t.test('bad shapes are refused with the link named', async (t) => {
  const target = await startLoopbackTarget()
  const { proxy } = await proxyTo(target.port)
  t.teardown(async () => {
    await proxy.close()
    await target.close()
  })
  t.throws(() => proxy.setShape({ ...CLEAR_LINK, delayMs: -1 }), /link a>b: delayMs must be a non-negative number/)
  t.throws(() => proxy.setShape({ ...CLEAR_LINK, duplicateProbability: 0.5 }), /link a>b: duplication needs protocol "websocket"/)
  t.throws(() => proxy.setShape({ ...CLEAR_LINK, bytesPerSecond: 0 }), /bytesPerSecond must be positive/)
  t.same(proxy.shape, CLEAR_LINK, 'the shape is unchanged')
})

t.test('WebSocket traffic survives delay and whole-message duplication', async (t) => {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()))
  const address = wss.address()
  if (address === null || typeof address === 'string') throw new Error('ws server has no port')
  const serverGot: string[] = []
  wss.on('connection', (socket) => {
    socket.on('message', (data: Buffer) => {
      serverGot.push(data.toString())
      socket.send(`echo ${data.toString()}`)
    })
  })
  const { proxy } = await proxyTo(address.port, 'websocket')
  proxy.setShape({ ...CLEAR_LINK, delayMs: 20, jitterMs: 10, duplicateProbability: 1 })
  const client = new WebSocket(`ws://127.0.0.1:${proxy.port}/peer`)
  t.teardown(async () => {
    client.terminate()
    await proxy.close()
    await new Promise<void>((resolve) => wss.close(() => resolve()))
    for (const socket of wss.clients) socket.terminate()
  })
  const clientGot: string[] = []
  client.on('message', (data: Buffer) => clientGot.push(data.toString()))
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve())
    client.once('error', reject)
  })
  for (let i = 0; i < 5; i++) client.send(`m${i}`)
  await eventually(() => serverGot.length === 10 && clientGot.length === 20, 'every message and echo, duplicated')
  t.same(serverGot, ['m0', 'm0', 'm1', 'm1', 'm2', 'm2', 'm3', 'm3', 'm4', 'm4'], 'each client message arrived twice, in order')
  t.same(clientGot.slice(0, 4), ['echo m0', 'echo m0', 'echo m0', 'echo m0'], 'each echo was sent twice and each copy duplicated')
  t.equal(proxy.stats.framesDuplicated, 15, '5 requests and 10 echoes duplicated')

  proxy.setShape({ ...CLEAR_LINK, delayMs: 20 })
  client.send(Buffer.alloc(100_000, 1))
  await eventually(() => clientGot.length === 21, 'a large binary message echoed once')
  t.equal(client.readyState, WebSocket.OPEN, 'the connection is healthy after all that')
})

t.test('a half-close crosses in order, after the delayed bytes, and the other way keeps working', async (t) => {
  const target = await startLoopbackTarget()
  const { proxy } = await proxyTo(target.port)
  t.teardown(async () => {
    await proxy.close()
    await target.close()
  })
  const client = await connectLoopbackClient(proxy.port)
  await eventually(() => target.connections.length === 1, 'the upstream connection')
  const upstream = target.connections[0]
  if (upstream === undefined) throw new Error('no upstream connection')
  let upstreamEnded = false
  upstream.on('end', () => {
    upstreamEnded = true
    upstream.end('last word')
  })
  proxy.setShape({ ...CLEAR_LINK, delayMs: 50 })
  client.socket.end('bye')
  await eventually(() => upstreamEnded, 'the FIN to reach the target')
  t.equal(target.received(), 'bye', 'the bytes arrived before the FIN')
  await client.closed
  t.equal(client.received(), 'last word', 'the target answered after the client half-closed')
})
