import t from 'tap'
import { z } from 'zod'
import { RpcConnection } from '../../src/client/rpc-connection.js'
import { silentLogger } from '../../src/rpc/rpc-logger.js'
import { RpcServer } from '../../src/rpc/rpc-server.js'
import { listenOnLoopback } from './fixtures/listen-on-loopback.js'

t.test('requests made while the socket connects are queued, sent in order, and add no listeners', async (t) => {
  const server = new RpcServer({ logger: silentLogger })
  const order: number[] = []
  server.method('echo', z.strictObject({ n: z.number() }), ({ n }) => (order.push(n), n))
  const listener = await listenOnLoopback({ onClient: (socket, remote) => server.accept(socket, remote) })
  const connection = new RpcConnection(`ws://127.0.0.1:${listener.port}/client`)
  const warnings: string[] = []
  const onWarning = (warning: Error): void => void warnings.push(warning.name)
  process.on('warning', onWarning)
  t.teardown(async () => {
    process.off('warning', onWarning)
    connection.close()
    server.closeAll()
    await listener.close()
  })

  const answers = await Promise.all(Array.from({ length: 40 }, (_, n) => connection.request(`r${n}`, 'echo', { n }, 5000)))
  t.same(answers, Array.from({ length: 40 }, (_, n) => n))
  t.same(order, Array.from({ length: 40 }, (_, n) => n), 'the server received them in the order they were made')
  await new Promise((resolve) => setImmediate(resolve))
  t.same(warnings, [], 'no MaxListenersExceededWarning')
})

t.test('a request that times out while connecting is never sent', async (t) => {
  const server = new RpcServer({ logger: silentLogger })
  const seen: number[] = []
  server.method('echo', z.strictObject({ n: z.number() }), ({ n }) => (seen.push(n), n))
  const listener = await listenOnLoopback({ onClient: (socket, remote) => server.accept(socket, remote) })
  const connection = new RpcConnection(`ws://127.0.0.1:${listener.port}/client`, {
    // The first request's timer fires at once, before the socket can open.
    schedule: (callback, delayMs) => {
      if (delayMs === 0) {
        queueMicrotask(callback)
        return () => {}
      }
      const handle = setTimeout(callback, delayMs)
      return () => clearTimeout(handle)
    },
  })
  t.teardown(async () => {
    connection.close()
    server.closeAll()
    await listener.close()
  })
  await t.rejects(connection.request('a', 'echo', { n: 1 }, 0), /echo to .* timed out after 0 ms/)
  t.equal(await connection.request('b', 'echo', { n: 2 }, 5000), 2)
  t.same(seen, [2])
})
