/**
 * The deterministic simulation as part of `npm test`: a few hundred seeds of the real core under
 * crashes, partitions, lossy links, membership changes, snapshots and transfers, all safety
 * checks after every event and the liveness check at the end. A failing seed is printed with its
 * trace and the command that replays it.
 */
import t from 'tap'
import { createRaftNode } from './default-core.js'
import { knownFailingSeeds } from './known-failing-seeds.js'
import { defaultSteps, runSeeds } from './seed-runner.js'
import { productionDriver, type DriverMode } from './replica.js'
import type { ProfileShape } from './sim-profile.js'
import { runSimulation, type SimResult } from './simulation.js'

/**
 * Runs of seeds: the production driver on both profile shapes, and on fewer seeds the driver
 * before pipelining and the strict driver (every message after the write). Together well under
 * a minute on the project machine.
 */
const runs: ReadonlyArray<{ readonly shape: ProfileShape; readonly driver: DriverMode; readonly seeds: number }> = [
  { shape: 'mixed', driver: productionDriver, seeds: 300 },
  { shape: 'churn', driver: productionDriver, seeds: 100 },
  { shape: 'mixed', driver: 'appendsBeforePersist', seeds: 100 },
  { shape: 'mixed', driver: 'persistBeforeSend', seeds: 100 },
]

function report(failure: Extract<SimResult, { ok: false }>, steps: number, shape: ProfileShape, driver: DriverMode): string {
  return [
    `seed ${failure.seed}: ${failure.check}: ${failure.detail}`,
    `profile: ${failure.profile}`,
    `replay: npm run sim -- --seeds 1 --seed ${failure.seed} --steps ${steps} --profile ${shape} --driver ${driver}`,
    ...failure.trace.map((line) => `  ${line}`),
  ].join('\n')
}

for (const { shape, driver, seeds } of runs) {
  t.test(`${seeds} ${shape} seeds (${driver} driver) keep every safety property and converge after healing`, async (t) => {
    const summary = runSeeds({
      firstSeed: 1,
      count: seeds,
      steps: defaultSteps,
      createCore: createRaftNode,
      driver,
      profile: shape,
      traceLines: 40,
      stopOnFailure: false,
    })
    t.equal(summary.run, seeds)
    const first = summary.failures[0]
    if (first !== undefined) t.comment(report(first, defaultSteps, shape, driver))
    t.same(
      summary.failures.map((f) => `seed ${f.seed}: ${f.check}`),
      [],
      'no seed may fail',
    )
    // The schedules must actually exercise every feature, or passing would prove little.
    const c = summary.totals
    t.ok(c.crashes > 0 && c.partitions > 0, 'crashes and partitions happened')
    t.ok(c.confChanges > 0, 'membership changed')
    t.ok(c.transfers > 0, 'leadership was transferred')
    t.ok(c.compactions > 0 && c.snapshotsInstalled > 0 && c.snapshotChunks > c.snapshotsInstalled, 'snapshots were installed from several chunks')
    t.ok(c.writesAcked > 0 && c.readsServed > 0, 'clients wrote and read')
    t.comment(`covered: ${JSON.stringify(c)}; slowest convergence ${summary.maxConvergeTicks} ticks`)
  })
}

t.test('a seed replays the identical run', async (t) => {
  for (const seed of [3, 17, 101]) {
    const first = runSimulation({ seed, steps: 2000, createCore: createRaftNode, traceLines: 0 })
    const again = runSimulation({ seed, steps: 2000, createCore: createRaftNode, traceLines: 0 })
    t.equal(again.digest, first.digest, `seed ${seed} digest`)
  }
  const other = runSimulation({ seed: 4, steps: 2000, createCore: createRaftNode, traceLines: 0 })
  const three = runSimulation({ seed: 3, steps: 2000, createCore: createRaftNode, traceLines: 0 })
  t.not(other.digest, three.digest, 'different seeds give different runs')
})

t.test('seeds that once found core bugs pass', async (t) => {
  for (const known of knownFailingSeeds) {
    const result = runSimulation({ seed: known.seed, steps: known.steps, createCore: createRaftNode, driver: known.driver, traceLines: 40 })
    if (!result.ok) t.comment(report(result, known.steps, 'mixed', known.driver))
    t.ok(result.ok, `seed ${known.seed} (found: ${known.found})`)
  }
})
