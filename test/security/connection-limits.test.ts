import t, { type Test } from 'tap'
import { connect } from 'node:net'
import { z } from 'zod'
import { encodeFrame } from '../../src/rpc/frame-codec.js'
import { RpcServer, type RpcServerOptions } from '../../src/rpc/rpc-server.js'
import { silentLogger } from '../../src/rpc/rpc-logger.js'
import { TokenBucket } from '../../src/rpc/token-bucket.js'
import { eventually } from '../rpc/fixtures/eventually.js'
import { listenOnLoopback } from '../rpc/fixtures/listen-on-loopback.js'
import { RawSocket } from '../rpc/fixtures/raw-socket.js'

async function startServer(t: Test, options: Partial<RpcServerOptions>) {
  const server = new RpcServer({ logger: silentLogger, ...options }).method('echo', z.strictObject({ text: z.string().max(100) }), (p) => p)
  const listener = await listenOnLoopback({ onClient: (socket, remote) => server.accept(socket, remote) })
  t.teardown(async () => {
    server.closeAll()
    await listener.close()
  })
  const open = async (): Promise<RawSocket> => {
    const socket = await RawSocket.open(`ws://127.0.0.1:${listener.port}/client`)
    t.teardown(() => socket.close())
    return socket
  }
  return { server, open }
}

const echo = (id: string) => encodeFrame({ id, method: 'echo', params: { text: id } })

t.test('a token bucket allows its burst, then its rate', async (t) => {
  let now = 0
  const bucket = new TokenBucket(10, 3, () => now)
  t.same([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false], 'the burst')
  now += 100
  t.same([bucket.take(), bucket.take()], [true, false], 'one token per 100 ms at 10/s')
  now += 10_000
  t.same([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [true, true, true, false], 'never more saved than the burst')
})

t.test('requests over the per-connection rate are answered OVERLOADED, other connections are unaffected', async (t) => {
  const { server, open } = await startServer(t, { maxRequestsPerSecond: 5, now: () => 1_000 })
  const flooder = await open()
  for (let i = 0; i < 8; i++) flooder.send(echo(`r${i}`))
  const answers = await Promise.all(Array.from({ length: 8 }, () => flooder.next()))
  const refused = answers.filter((a) => (a as { error?: { code: string } }).error?.code === 'OVERLOADED')
  t.equal(refused.length, 3, 'five within the rate, three refused')
  t.match(refused[0], { id: 'r5', error: { message: /too many requests on this connection \(limit 5 per second\)/ } })
  const polite = await open()
  polite.send(echo('p0'))
  t.match(await polite.next(), { id: 'p0', result: { text: 'p0' } }, 'another connection has its own budget')
  t.equal(server.stats().rateLimited, 3)
})

t.test('idle connections are closed; busy ones are not', async (t) => {
  let now = 0
  const { server, open } = await startServer(t, { idleTimeoutMs: 40, now: () => now })
  const idle = await open()
  const busy = await open()
  now = 30
  busy.send(echo('b0'))
  await busy.next()
  now = 60
  await eventually(() => idle.closedWith !== null, 'the idle connection to be closed')
  t.match(idle.closedWith, { code: 1001, reason: /idle for more than 40 ms/ })
  t.equal(busy.closedWith, null, 'the connection that spoke within the timeout stays')
  t.equal(server.stats().idleClosed, 1)
})

t.test('connections beyond the limit are closed with 1013', async (t) => {
  const { server, open } = await startServer(t, { maxConnections: 2 })
  await open()
  await open()
  const third = await open()
  t.match(await third.closed(), { code: 1013, reason: /2 client connections open; try again later/ })
  t.equal(server.stats().connectionsRefused, 1)
})

t.test('a connection that sends its HTTP request slowly, or not at all, is answered 408 and closed', async (t) => {
  const listener = await listenOnLoopback({ requestTimeoutMs: 200 })
  t.teardown(() => listener.close())
  const outcomes = await Promise.all(
    [null, 'GET /client HTTP/1.1\r\nHost: x\r\n'].map(
      (first) =>
        new Promise<string>((resolve) => {
          let answer = ''
          const socket = connect(listener.port, '127.0.0.1', () => {
            if (first !== null) socket.write(first)
          })
          // The request line, then a trickle: one more header byte now and then, never the end of the headers.
          const trickle = setInterval(() => first !== null && socket.writable && socket.write('X'), 20)
          socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')))
          socket.on('error', () => {})
          socket.on('close', () => {
            clearInterval(trickle)
            resolve(answer.split('\r\n')[0] ?? '')
          })
        }),
    ),
  )
  t.same(outcomes, ['HTTP/1.1 408 Request Timeout', 'HTTP/1.1 408 Request Timeout'], 'a silent and a trickling connection are both closed')
})
