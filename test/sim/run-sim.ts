/**
 * `npm run sim -- --seeds N [--seed S] [--steps K] [--profile mixed|churn] [--variant V] [--driver D] [--trace L]`
 * Runs seeds S, S+1, ..., S+N-1 of the deterministic Raft simulation; prints each failure with its
 * seed, the property that broke, the seed's profile and the last events, then a summary. Exits
 * non-zero if any seed failed. A failing seed replays exactly with `--seeds 1 --seed <seed>`.
 */
import { Command, InvalidArgumentError } from 'commander'
import { performance } from 'node:perf_hooks'
import { brokenVariants, type BrokenVariantName } from './broken-variants.js'
import { createRaftNode } from './default-core.js'
import { defaultSteps, runSeeds, type SeedsSummary } from './seed-runner.js'
import { profileShapes, type ProfileShape } from './sim-profile.js'
import { productionDriver, type DriverMode } from './replica.js'
import type { SimResult } from './simulation.js'

function integerOption(name: string, min: number): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got "${value}"`)
    }
    return n
  }
}

const driverModes: readonly DriverMode[] = ['pipelined', 'appendsBeforePersist', 'persistBeforeSend']

const program = new Command()
  .name('run-sim')
  .description('Deterministic simulation of the Raft core under crashes, partitions and lossy links')
  .option('--seeds <n>', 'how many seeds to run', integerOption('--seeds', 1), 100)
  .option('--seed <s>', 'first seed', integerOption('--seed', 0), 1)
  .option('--steps <k>', 'events in the fault phase of each seed', integerOption('--steps', 1), defaultSteps)
  .option('--trace <lines>', 'events printed for a failing seed', integerOption('--trace', 0), 80)
  .option('--profile <shape>', `how seeds draw their faults: ${Object.keys(profileShapes).join(', ')}`, 'mixed')
  .option('--variant <name>', `run a deliberately broken variant: ${Object.keys(brokenVariants).join(', ')}`)
  .option('--driver <mode>', `how Readys are processed: ${driverModes.join(', ')}`, productionDriver)
  .option('--stop-on-failure', 'stop at the first failing seed')
  .parse()

const opts = program.opts<{ seeds: number; seed: number; steps: number; trace: number; profile: string; variant?: string; driver: string; stopOnFailure?: boolean }>()
if (!driverModes.includes(opts.driver as DriverMode)) {
  console.error(`run-sim: unknown --driver "${opts.driver}"; known: ${driverModes.join(', ')}`)
  process.exit(2)
}
if (!(opts.profile in profileShapes)) {
  console.error(`run-sim: unknown --profile "${opts.profile}"; known: ${Object.keys(profileShapes).join(', ')}`)
  process.exit(2)
}
const profile = opts.profile as ProfileShape
let setup: { createCore: typeof createRaftNode; driver: DriverMode } = { createCore: createRaftNode, driver: opts.driver as DriverMode }
if (opts.variant !== undefined) {
  if (!(opts.variant in brokenVariants)) {
    console.error(`run-sim: unknown --variant "${opts.variant}"; known: ${Object.keys(brokenVariants).join(', ')}`)
    process.exit(2)
  }
  setup = brokenVariants[opts.variant as BrokenVariantName]
}

const started = performance.now()
const summary: SeedsSummary = runSeeds({
  firstSeed: opts.seed,
  count: opts.seeds,
  steps: opts.steps,
  traceLines: opts.trace,
  createCore: setup.createCore,
  driver: setup.driver,
  profile,
  stopOnFailure: opts.stopOnFailure === true,
  onFailure: (failure) => printFailure(failure, opts.steps),
})
const seconds = (performance.now() - started) / 1000

const t = summary.totals
console.log(
  [
    `seeds run: ${summary.run} (from ${opts.seed}), passed: ${summary.run - summary.failures.length}, failed: ${summary.failures.length}`,
    `time: ${seconds.toFixed(1)} s (${((seconds * 1000) / Math.max(1, summary.run)).toFixed(0)} ms per seed), ${opts.steps} fault-phase events per seed, profile ${profile}${opts.variant === undefined ? '' : `, variant ${opts.variant}`}`,
    `covered: ${t.leaderTerms} leader terms, ${t.crashes} crashes, ${t.partitions} partitions, ${t.confChanges} membership changes, ${t.transfers} transfers, ${t.compactions} compactions, ${t.snapshotsInstalled} snapshots installed (${t.snapshotChunks} chunks), ${t.writesAcked} writes acknowledged, ${t.readsServed} reads served, ${t.delivered} messages delivered`,
    `convergence after healing: max ${summary.maxConvergeTicks} ticks`,
  ].join('\n'),
)
process.exitCode = summary.failures.length > 0 ? 1 : 0

function printFailure(failure: Extract<SimResult, { ok: false }>, steps: number): void {
  console.log(`\nFAILED seed ${failure.seed}: ${failure.check}`)
  console.log(`  ${failure.detail}`)
  console.log(`  profile: ${failure.profile}`)
  console.log(`  replay: npm run sim -- --seeds 1 --seed ${failure.seed} --steps ${steps} --profile ${profile}${opts.variant === undefined ? ` --driver ${opts.driver}` : ` --variant ${opts.variant}`}`)
  console.log(`  last ${failure.trace.length} events:`)
  for (const line of failure.trace) console.log(`    ${line}`)
}
