import t, { type Test } from 'tap'
import { createServer, type Server } from 'node:net'
import { freeLoopbackPort } from '../../src/cluster/ephemeral-cluster.js'

const FIRST = 20_000
const SPAN = 32_767 - FIRST + 1
/** The random draw that lands on `port`. */
const drawFor = (port: number) => (port - FIRST + 0.5) / SPAN

async function occupy(t: Test, port: number): Promise<Server> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return server
}

t.test('a free port below the ephemeral range, skipping one that is taken', async (t) => {
  const port = await freeLoopbackPort()
  t.ok(port >= FIRST && port < 32_768, `port ${port} is below 32768`)
  await occupy(t, port)
  const draws = [drawFor(port), drawFor(port + 1)]
  t.equal(await freeLoopbackPort(() => draws.shift() ?? 0), port + 1, 'the taken port is skipped')
})

t.test('no free port after many tries is an error naming the range', async (t) => {
  const port = await freeLoopbackPort()
  await occupy(t, port)
  await t.rejects(freeLoopbackPort(() => drawFor(port)), /no free loopback port in 20000-32767 after 100 tries/)
})

t.test('a port handed out once is not handed out again, though nothing listens on it yet', async (t) => {
  const port = await freeLoopbackPort()
  const draws = [drawFor(port), drawFor(port + 2)]
  t.equal(await freeLoopbackPort(() => draws.shift() ?? 0), port + 2, 'the port its replica has not bound yet is skipped')
})
