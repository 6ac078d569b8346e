import t from 'tap'
import { RaftDriver, type DriverStep } from '../../raft/driver.js'
import { seededRandom, testRaftConfig } from './driver-cluster.js'

const conf = { voters: ['r1'], learners: [] }
const config = testRaftConfig('r1', seededRandom(1), 8)
const restored = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], applied: 0, conf }

/** A ticker the test advances by hand. */
function manualTicker(): { ticker: { start(onTick: () => void): { stop(): void } }; tick(times: number): void } {
  let onTick: () => void = () => {}
  return {
    ticker: { start: (callback) => ((onTick = callback), { stop: () => (onTick = () => {}) }) },
    tick: (times) => {
      for (let i = 0; i < times; i++) onTick()
    },
  }
}

const idleStateMachine = {
  apply: async (entries: readonly unknown[]) => entries.map(() => null),
  snapshot: async () => ({ data: new Uint8Array(), index: 0, term: 0 }),
  restore: async () => {},
}

/** A lone voter with storage, network and state machine that do nothing, unless a test says otherwise. */
function loneDriverOptions(ticker: ReturnType<typeof manualTicker>['ticker']) {
  return { config, restored, storage: { persist: async () => {}, compact: async () => {} }, transport: { send: () => {} }, stateMachine: idleStateMachine, ticker, snapshotEvery: 100 }
}

/** Ticks one at a time, letting the driver run between ticks, until `done` or 100 ticks. */
async function tickUntil(clock: ReturnType<typeof manualTicker>, done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) {
    clock.tick(1)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

t.test('a step that never finishes is reported every stallTicks ticks, naming the step', async (t) => {
  const clock = manualTicker()
  const stalls: Array<[DriverStep, number]> = []
  let writes = 0
  const driver = await RaftDriver.start({
    ...loneDriverOptions(clock.ticker),
    // The first synced write (the vote of its own election) never completes: a wedged disk.
    storage: { persist: () => (writes++, new Promise<void>(() => {})), compact: async () => {} },
    stallTicks: 20,
    onStall: (step, ticks) => stalls.push([step, ticks]),
  })
  // A lone voter elects itself within an election timeout and starts writing its vote.
  await tickUntil(clock, () => writes > 0)
  t.equal(writes, 1, 'the write is under way')
  clock.tick(19)
  t.same(stalls, [], 'not yet waited on for 20 ticks')
  clock.tick(21)
  t.same(stalls, [['persist', 20], ['persist', 40]], 'reported after 20 and 40 ticks of waiting')
  void driver.stop()
})

t.test('steps that finish are never reported', async (t) => {
  const clock = manualTicker()
  const stalls: DriverStep[] = []
  const driver = await RaftDriver.start({ ...loneDriverOptions(clock.ticker), stallTicks: 5, onStall: (step) => stalls.push(step) })
  t.teardown(() => driver.stop())
  let ticks = 0
  await tickUntil(clock, () => ++ticks > 40)
  t.equal(driver.status().role, 'leader', 'it elected itself and applied its first entry')
  t.equal(driver.status().applied, driver.status().commit)
  t.same(stalls, [])
})

t.test('a bad stallTicks is named', async (t) => {
  await t.rejects(RaftDriver.start({ ...loneDriverOptions(manualTicker().ticker), stallTicks: 0 }), /RaftDriverOptions.stallTicks must be a positive integer, got 0/)
})

t.test('a background snapshot that never finishes is reported as the snapshot step, while applies go on', async (t) => {
  const clock = manualTicker()
  const stalls: DriverStep[] = []
  const driver = await RaftDriver.start({
    ...loneDriverOptions(clock.ticker),
    // The state machine never finishes reading its snapshot (a wedged disk under the keyspace).
    stateMachine: { ...idleStateMachine, snapshot: () => new Promise<never>(() => {}) },
    snapshotEvery: 1,
    stallTicks: 20,
    onStall: (step) => stalls.push(step),
  })
  t.teardown(() => void driver.stop())
  // Its first entry applied, a snapshot is due (snapshotEvery 1) and starts.
  await tickUntil(clock, () => driver.status().applied > 0)
  t.equal(driver.status().role, 'leader')
  clock.tick(40)
  await new Promise((resolve) => setImmediate(resolve))
  t.ok(stalls.includes('snapshot'), `the held snapshot is reported (${stalls.join(', ')})`)
  t.notOk(stalls.includes('apply') || stalls.includes('persist'), 'nothing else is stuck')
  t.equal(await driver.propose(new Uint8Array([1])), null, 'a proposal is applied and answered while the snapshot is held')
})
