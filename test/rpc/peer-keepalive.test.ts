/**
 * A dialer whose own event loop stalls (SIGSTOP/SIGCONT, or a starved machine) must not call a
 * healthy link dead: its overdue check runs before it reads the pong waiting in its socket. The
 * acceptor runs in a child process so it keeps answering while this process is stalled.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { PeerTransport } from '../../src/rpc/peer-transport.js'
import { realSchedule, type Schedule } from '../../src/rpc/schedule.js'
import { eventually } from './fixtures/eventually.js'

const PING_MS = 100
const STALL_MS = 400

function stallEventLoop(ms: number): void {
  const until = Date.now() + ms
  while (Date.now() < until) {
    // a process that gets no CPU, as far as its timers and sockets can tell
  }
}

t.test('a stall right after a ping does not kill a link whose pong is waiting', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./fixtures/peer-acceptor-process.ts', import.meta.url))], {
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  t.teardown(() => {
    child.stdin.end()
    child.kill()
  })
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(Number(line)))
    child.once('exit', (code) => reject(new Error(`the acceptor process exited (${code})`)))
  })

  let stallsLeft = 0
  // Stalls right after each ping leaves (the callback that sends it is a ping-interval timer), in
  // the same turn of the event loop but after its timers: the next turn then starts with the
  // overdue check, before the sockets are read, as after a SIGCONT.
  const schedule: Schedule = (callback, delayMs) =>
    realSchedule(() => {
      callback()
      if (delayMs === PING_MS && stallsLeft > 0) {
        stallsLeft--
        setImmediate(() => stallEventLoop(STALL_MS))
      }
    }, delayMs)
  const warnings: string[] = []
  const dialer = new PeerTransport({
    self: { clusterId: 'test-cluster', officeId: 'nyc', nodeId: 'nyc-1' },
    peers: new Map([['nyc-2', `ws://127.0.0.1:${port}/peer`]]),
    deliver: () => {},
    random: () => 0.5,
    logger: { warn: (message) => warnings.push(message) },
    schedule,
    pingIntervalMs: PING_MS,
  })
  t.teardown(() => dialer.close())
  dialer.start()
  await eventually(() => dialer.connectedPeers().includes('nyc-2'), 'nyc-1 to connect to the acceptor process')
  stallsLeft = 5
  await eventually(() => stallsLeft === 0, 'five stalls after pings', 10_000)
  await new Promise((resolve) => setTimeout(resolve, 3 * PING_MS))
  t.same(warnings, [], 'no link was called unresponsive')
  t.equal(dialer.stats().reconnects, 0, 'the first connection held')
  t.same(dialer.connectedPeers(), ['nyc-2'])
})
