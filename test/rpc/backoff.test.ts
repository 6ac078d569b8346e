import t from 'tap'
import { backoffDelay } from '../../src/rpc/backoff.js'
import { PeerTransport } from '../../src/rpc/peer-transport.js'
import { silentLogger } from '../../src/rpc/rpc-logger.js'
import type { Schedule } from '../../src/rpc/schedule.js'
import { eventually } from './fixtures/eventually.js'
import { listenOnLoopback } from './fixtures/listen-on-loopback.js'

const policy = { baseMs: 50, maxMs: 1000 }

t.test('the wait doubles per failure up to the cap, half of it random', async (t) => {
  t.same([0, 1, 2, 3, 4, 5, 6].map((attempt) => backoffDelay(attempt, policy, () => 0)), [25, 50, 100, 200, 400, 500, 500])
  t.same([0, 1, 5].map((attempt) => backoffDelay(attempt, policy, () => 0.999999)).map(Math.round), [50, 100, 1000])
  t.equal(backoffDelay(10_000, policy, () => 0.5), 750, 'huge attempt counts stay at the cap')
})

t.test('a peer that refuses connections is redialled on the backoff schedule, using the injected random', async (t) => {
  const dead = await listenOnLoopback({})
  await dead.close()
  const timers: Array<{ delayMs: number; fire: () => void }> = []
  const schedule: Schedule = (callback, delayMs) => {
    timers.push({ delayMs, fire: callback })
    return () => {}
  }
  const draws: number[] = []
  const transport = new PeerTransport({
    self: { clusterId: 'c', officeId: 'o', nodeId: 'a' },
    peers: new Map([['b', `ws://127.0.0.1:${dead.port}/peer`]]),
    deliver: () => {},
    random: () => {
      draws.push(0.5)
      return 0.5
    },
    schedule,
    logger: silentLogger,
    backoff: policy,
    handshakeTimeoutMs: 5000,
  })
  t.teardown(() => transport.close())
  transport.start()
  const retryDelays: number[] = []
  for (let failure = 0; failure < 6; failure++) {
    // Each dial schedules its handshake timeout; the refusal then schedules the retry.
    await eventually(() => timers.some((timer) => timer.delayMs !== 5000), `retry number ${failure + 1} to be scheduled`)
    const index = timers.findIndex((timer) => timer.delayMs !== 5000)
    const [retry] = timers.splice(index, 1)
    if (retry === undefined) throw new Error('unreachable')
    retryDelays.push(retry.delayMs)
    retry.fire()
  }
  t.same(retryDelays, [37.5, 75, 150, 300, 600, 750])
  t.equal(draws.length, 6, 'one random draw per retry')
  t.equal(transport.stats().reconnects, 6)
})
