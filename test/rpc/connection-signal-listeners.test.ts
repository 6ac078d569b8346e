/**
 * lon-3 of chaos seed 3 (campaign A) warned "MaxListenersExceededWarning: Possible EventTarget
 * memory leak detected. 11 abort listeners added to [AbortSignal]". The signal was a client
 * connection's: every request in flight on it (a proposal, a read barrier, a long poll) listens for
 * its abort and stops when it settles, so a burst of requests on one connection (from another
 * office's pooled client, released by a resumed replica) held eleven at once without any leak.
 */
import { getEventListeners } from 'node:events'
import t from 'tap'
import { z } from 'zod'
import { encodeFrame } from '../../src/rpc/frame-codec.js'
import { RpcServer } from '../../src/rpc/rpc-server.js'
import { silentLogger } from '../../src/rpc/rpc-logger.js'
import { listenOnLoopback } from './fixtures/listen-on-loopback.js'
import { RawSocket } from './fixtures/raw-socket.js'

const IN_FLIGHT = 32

t.test('requests in flight up to the limit listen on the connection signal without a leak warning, and leave no listener', async (t) => {
  const warnings: string[] = []
  const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`)
  process.on('warning', onWarning)
  const server = new RpcServer({ maxFrameBytes: 64 * 1024, maxInFlightPerConnection: IN_FLIGHT, maxBufferedBytes: 256 * 1024, logger: silentLogger })
  const releases: Array<() => void> = []
  const signals = new Set<AbortSignal>()
  // Waits like a proposal does: listening for the connection's abort until released.
  server.method('hold', z.null(), (_, ctx) => {
    signals.add(ctx.signal)
    return new Promise<string>((resolve) => {
      const settle = () => {
        ctx.signal.removeEventListener('abort', settle)
        resolve('released')
      }
      ctx.signal.addEventListener('abort', settle, { once: true })
      releases.push(settle)
    })
  })
  const listener = await listenOnLoopback({ onClient: (socket, remote) => server.accept(socket, remote), maxClientFrameBytes: 64 * 1024 })
  const socket = await RawSocket.open(`ws://127.0.0.1:${listener.port}/client`)
  t.teardown(async () => {
    process.off('warning', onWarning)
    for (const release of releases) release()
    socket.close()
    server.closeAll()
    await listener.close()
  })
  for (let i = 0; i < IN_FLIGHT; i++) socket.send(encodeFrame({ id: `h-${i}`, method: 'hold', params: null }))
  for (let waited = 0; releases.length < IN_FLIGHT && waited < 10_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(releases.length, IN_FLIGHT, 'every request is in flight')
  t.equal(signals.size, 1, 'all on the one connection signal')
  const [signal] = signals
  t.equal(getEventListeners(signal as AbortSignal, 'abort').length, IN_FLIGHT, 'one listener per request in flight')
  // Warnings are emitted on a later tick.
  await new Promise((resolve) => setImmediate(resolve))
  t.same(warnings.filter((warning) => warning.startsWith('MaxListenersExceededWarning')), [], 'no leak warning')
  for (const release of releases.splice(0)) release()
  for (let i = 0; i < IN_FLIGHT; i++) t.match(await socket.next(), { result: 'released' })
  t.equal(getEventListeners(signal as AbortSignal, 'abort').length, 0, 'no listener left once they settled')
})
