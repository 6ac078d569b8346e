import t, { type Test } from 'tap'
import fc from 'fast-check'
import { z } from 'zod'
import { encodeFrame } from '../../src/rpc/frame-codec.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { RpcServer } from '../../src/rpc/rpc-server.js'
import { silentLogger, type RpcLogger } from '../../src/rpc/rpc-logger.js'
import { listenOnLoopback } from './fixtures/listen-on-loopback.js'
import { RawSocket } from './fixtures/raw-socket.js'

const MAX_FRAME = 64 * 1024

async function startServer(t: Test, logger: RpcLogger = silentLogger) {
  const server = new RpcServer({ maxFrameBytes: MAX_FRAME, maxInFlightPerConnection: 4, maxBufferedBytes: 256 * 1024, logger })
  const gates: Array<() => void> = []
  server
    .method('echo', z.strictObject({ text: z.string().max(100) }), (params) => ({ text: params.text }))
    .method('add', z.strictObject({ a: z.int(), b: z.int() }), (params, context) => ({ sum: params.a + params.b, id: context.requestId }))
    .method('session', z.null(), (_params, context) => ({ session: context.clientSession }))
    .method('explode', z.null(), () => {
      throw new Error('kaboom')
    })
    .method('conflict', z.null(), () => {
      throw RpcError.of('CONFLICT', 'slot taken', { user: 'bob' })
    })
    .method('wait', z.null(), () => new Promise<string>((resolve) => gates.push(() => resolve('released'))))
    .method('huge', z.null(), () => ({ blob: new Uint8Array(MAX_FRAME + 10) }))
    .method('big', z.null(), () => ({ blob: new Uint8Array(MAX_FRAME / 2) }))
  const listener = await listenOnLoopback({ onClient: (socket, remote) => server.accept(socket, remote), maxClientFrameBytes: MAX_FRAME })
  const url = `ws://127.0.0.1:${listener.port}/client`
  t.teardown(async () => {
    for (const release of gates) release()
    server.closeAll()
    await listener.close()
  })
  const open = async (): Promise<RawSocket> => {
    const socket = await RawSocket.open(url)
    t.teardown(() => socket.close())
    return socket
  }
  return { server, url, open, gates, port: listener.port }
}

t.test('answers a valid request with its result and the same id', async (t) => {
  const { open } = await startServer(t)
  const socket = await open()
  socket.send(encodeFrame({ id: 'r-1', method: 'add', params: { a: 2, b: 40 } }))
  t.same(await socket.next(), { id: 'r-1', result: { sum: 42, id: 'r-1' } })
})

t.test('every kind of bad frame gets a clear error and the connection keeps working', async (t) => {
  const { open, server } = await startServer(t)
  const socket = await open()
  const valid = encodeFrame({ id: 'ok', method: 'echo', params: { text: 'still here' } })
  const cases: Array<[string, Uint8Array | string, object]> = [
    ['garbage', Buffer.from([0xc1, 0xff, 0x00]), { id: null, error: { code: 'BAD_REQUEST', message: /not valid msgpack/ } }],
    ['truncated', valid.subarray(0, valid.length - 4), { id: null, error: { code: 'BAD_REQUEST', message: /not valid msgpack/ } }],
    ['nested too deep for the decoder', Buffer.concat([Buffer.alloc(60_000, 0x91), Buffer.from([0xc0])]), { id: null, error: { code: 'BAD_REQUEST', message: /not valid msgpack: Maximum call stack/ } }],
    ['text frame', 'hello', { id: null, error: { code: 'BAD_REQUEST', message: /text frames are not accepted/ } }],
    ['not an object', encodeFrame([1, 2, 3]), { id: null, error: { code: 'BAD_REQUEST', message: /malformed request/ } }],
    ['method of the wrong type', encodeFrame({ id: 'x1', method: 7, params: null }), { id: 'x1', error: { code: 'BAD_REQUEST', message: /method: expected a method name/ } }],
    ['missing method', encodeFrame({ id: 'x2', params: null }), { id: 'x2', error: { code: 'BAD_REQUEST', message: 'malformed request: method: expected a method name' } }],
    ['extra field', encodeFrame({ id: 'x3', method: 'echo', params: {}, sneaky: 1 }), { id: 'x3', error: { code: 'BAD_REQUEST', message: /sneaky/ } }],
    ['unknown method', encodeFrame({ id: 'x4', method: 'launch', params: null }), { id: 'x4', error: { code: 'UNKNOWN_METHOD', message: 'unknown method "launch"', details: { method: 'launch' } } }],
    ['params of the wrong type', encodeFrame({ id: 'x5', method: 'add', params: { a: 'one', b: 2 } }), { id: 'x5', error: { code: 'BAD_REQUEST', message: /^add: params\.a: / } }],
    ['params not an object', encodeFrame({ id: 'x5b', method: 'echo', params: 3 }), { id: 'x5b', error: { code: 'BAD_REQUEST', message: /^echo: params: / } }],
    ['params missing', encodeFrame({ id: 'x6', method: 'echo' }), { id: 'x6', error: { code: 'BAD_REQUEST', message: 'malformed request: params: required field is missing' } }],
    ['handler throws', encodeFrame({ id: 'x7', method: 'explode', params: null }), { id: 'x7', error: { code: 'INTERNAL', message: 'method "explode" failed: kaboom' } }],
    ['handler refuses', encodeFrame({ id: 'x8', method: 'conflict', params: null }), { id: 'x8', error: { code: 'CONFLICT', message: 'slot taken', details: { user: 'bob' } } }],
    ['result over the frame limit', encodeFrame({ id: 'x9', method: 'huge', params: null }), { id: 'x9', error: { code: 'INTERNAL', message: /exceeds the 65536-byte limit/ } }],
    ['settledBelow with an id that is not <client>-<sequence>', encodeFrame({ id: 'x10', method: 'echo', params: { text: 'a' }, settledBelow: 1 }), { id: 'x10', error: { code: 'BAD_REQUEST', message: /settledBelow: settledBelow 1 needs a request id "<client>-<sequence>" with a sequence of at least 1, not "x10"/ } }],
    ['settledBelow above the sequence', encodeFrame({ id: 'c-3', method: 'echo', params: { text: 'a' }, settledBelow: 4 }), { id: 'c-3', error: { code: 'BAD_REQUEST', message: /settledBelow 4 needs .* not "c-3"/ } }],
    ['settledBelow with a sequence written with a leading zero', encodeFrame({ id: 'c-07', method: 'echo', params: { text: 'a' }, settledBelow: 7 }), { id: 'c-07', error: { code: 'BAD_REQUEST', message: /settledBelow 7 needs/ } }],
    ['settledBelow with a sequence of 16 digits', encodeFrame({ id: 'c-1234567890123456', method: 'echo', params: { text: 'a' }, settledBelow: 1 }), { id: 'c-1234567890123456', error: { code: 'BAD_REQUEST', message: /settledBelow 1 needs/ } }],
    ['settledBelow negative', encodeFrame({ id: 'c-5', method: 'echo', params: { text: 'a' }, settledBelow: -1 }), { id: 'c-5', error: { code: 'BAD_REQUEST', message: /settledBelow: expected settledBelow to be at least 0/ } }],
    ['settledBelow not a whole number', encodeFrame({ id: 'c-4', method: 'echo', params: { text: 'a' }, settledBelow: 1.5 }), { id: 'c-4', error: { code: 'BAD_REQUEST', message: /settledBelow: expected settledBelow to be a whole number/ } }],
  ]
  for (const [name, bytes, expected] of cases) {
    socket.send(bytes)
    t.match(await socket.next(), expected, name)
    socket.send(valid)
    t.same(await socket.next(), { id: 'ok', result: { text: 'still here' } }, `still answering after: ${name}`)
  }
  t.equal(server.stats().internalErrors, 2)
})

t.test("a numbered client's call carries its session to the handler; other calls carry none", async (t) => {
  const { open } = await startServer(t)
  const socket = await open()
  socket.send(encodeFrame({ id: 'a1b2-c3-17', method: 'session', params: null, settledBelow: 12 }))
  t.same(await socket.next(), { id: 'a1b2-c3-17', result: { session: { client: 'a1b2-c3', sequence: 17, settledBelow: 12 } } })
  socket.send(encodeFrame({ id: 'a1b2-c3-18', method: 'session', params: null }))
  t.same(await socket.next(), { id: 'a1b2-c3-18', result: { session: null } }, 'no settledBelow, no session')
})

t.test('a frame over the size limit closes the connection with 1009, and the server stays up', async (t) => {
  const { open } = await startServer(t)
  const socket = await open()
  socket.send(Buffer.alloc(MAX_FRAME + 1, 0x90))
  t.equal((await socket.closed()).code, 1009)
  const next = await open()
  next.send(encodeFrame({ id: 'after', method: 'echo', params: { text: 'up' } }))
  t.same(await next.next(), { id: 'after', result: { text: 'up' } })
})

t.test('requests in flight are bounded per connection, and a repeated id runs once', async (t) => {
  const { open, gates } = await startServer(t)
  const socket = await open()
  for (let i = 0; i < 4; i++) socket.send(encodeFrame({ id: `w${i}`, method: 'wait', params: null }))
  socket.send(encodeFrame({ id: 'w0', method: 'wait', params: null }))
  socket.send(encodeFrame({ id: 'w4', method: 'wait', params: null }))
  t.match(await socket.next(), { id: 'w4', error: { code: 'OVERLOADED', details: { limit: 4 } } })
  await t.resolves(async () => {
    while (gates.length < 4) await new Promise((resolve) => setImmediate(resolve))
  })
  t.equal(gates.length, 4, 'the duplicate of w0 did not start a fifth handler')
  for (const release of gates.splice(0)) release()
  const answers = [await socket.next(), await socket.next(), await socket.next(), await socket.next()]
  t.same(
    answers.map((a) => (a as { id: string }).id).sort(),
    ['w0', 'w1', 'w2', 'w3'],
    'each in-flight request is answered exactly once',
  )
  socket.send(encodeFrame({ id: 'w5', method: 'echo', params: { text: 'room again' } }))
  t.same(await socket.next(), { id: 'w5', result: { text: 'room again' } })
})

t.test('a client that stops reading its responses is disconnected before memory grows', async (t) => {
  const { open, server } = await startServer(t)
  const socket = await open()
  socket.stopReading()
  // Enough 32 KiB answers to fill the kernel's socket buffers and then the server's limit.
  for (let i = 0; i < 2000 && server.stats().slowClientsClosed === 0; i++) {
    socket.send(encodeFrame({ id: `b${i}`, method: 'big', params: null }))
    if (i % 50 === 49) await new Promise((resolve) => setTimeout(resolve, 5))
  }
  t.equal(server.stats().slowClientsClosed, 1)
  const other = await open()
  other.send(encodeFrame({ id: 'fine', method: 'echo', params: { text: 'others unaffected' } }))
  t.same(await other.next(), { id: 'fine', result: { text: 'others unaffected' } })
})

t.test('a method whose schema cannot be checked synchronously answers INTERNAL, and the server stays up', async (t) => {
  const logged: string[] = []
  const { open, server } = await startServer(t, { warn: (message) => logged.push(message) })
  server.method('asyncCheck', z.string().refine(async () => true), () => 'unreachable')
  const socket = await open()
  socket.send(encodeFrame({ id: 'a1', method: 'asyncCheck', params: 'x' }))
  t.match(await socket.next(), { id: null, error: { code: 'INTERNAL', message: /the server failed on this request/ } })
  socket.send(encodeFrame({ id: 'a2', method: 'echo', params: { text: 'alive' } }))
  t.same(await socket.next(), { id: 'a2', result: { text: 'alive' } })
  t.same(logged, ['RPC frame handling failed'])
})

t.test('method names are checked when registered', async (t) => {
  const server = new RpcServer({ logger: silentLogger }).method('once', z.null(), () => null)
  t.throws(() => server.method('once', z.null(), () => null), /"once" is registered twice/)
  t.throws(() => server.method('m'.repeat(65), z.null(), () => null), /must be 1-64 characters/)
})

t.test('paths other than /client and /peer are refused', async (t) => {
  const { port } = await startServer(t)
  await t.rejects(RawSocket.open(`ws://127.0.0.1:${port}/admin`), /404/)
})

t.test('generated frames never break the server (fast-check)', async (t) => {
  const warnings: string[] = []
  const { open, server } = await startServer(t, { warn: (message) => warnings.push(message) })
  const socket = await open()
  const validBytes = encodeFrame({ id: 'seed', method: 'add', params: { a: 1, b: 2 } })
  const frameArb = fc.oneof(
    fc.uint8Array({ minLength: 1, maxLength: 300 }),
    // valid frames with bytes flipped or cut
    fc.tuple(fc.nat(validBytes.length - 1), fc.integer({ min: 0, max: 255 })).map(([at, value]) => {
      const copy = Buffer.from(validBytes)
      copy[at] = value
      return copy
    }),
    fc.nat(validBytes.length - 1).map((cut) => validBytes.subarray(0, cut + 1)),
    // well-formed msgpack of the wrong shape
    fc
      .record({
        id: fc.oneof(fc.string({ maxLength: 140 }), fc.integer(), fc.constant(null)),
        method: fc.oneof(fc.constantFrom('add', 'echo', 'explode', 'nope'), fc.string(), fc.integer()),
        params: fc.anything({ maxDepth: 2 }),
      })
      .map((frame) => encodeFrame(frame)),
    fc.anything({ maxDepth: 3 }).map((value) => encodeFrame(value)),
  )
  let probe = 0
  await fc.assert(
    fc.asyncProperty(frameArb, async (bytes) => {
      socket.send(bytes)
      const answer = await socket.next()
      t.ok(answer !== null && typeof answer === 'object' && ('result' in answer || 'error' in answer), 'an answer frame')
      probe += 1
      socket.send(encodeFrame({ id: `probe-${probe}`, method: 'add', params: { a: probe, b: 1 } }))
      const check = (await socket.next()) as { id: string; result: { sum: number } }
      return check.id === `probe-${probe}` && check.result.sum === probe + 1
    }),
    { numRuns: 300, seed: 20261121 },
  )
  t.equal(server.stats().connections, 1, 'the one connection was never dropped')
  t.notOk(warnings.some((w) => !w.includes('handler failed')), 'nothing but handler failures was logged')
})
