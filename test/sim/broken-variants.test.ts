/**
 * Proof that the simulator bites: each deliberately broken variant (test/sim/broken-variants.ts)
 * must be caught by a safety property within a bounded number of seeds of the leader-churn
 * profile. Failures of other kinds (liveness, a core assertion) do not count as catching it.
 */
import t from 'tap'
import { brokenVariants, type BrokenVariantName } from './broken-variants.js'
import { defaultSteps } from './seed-runner.js'
import { leaderChurn } from './sim-profile.js'
import { runSimulation } from './simulation.js'

const safetyChecks = new Set(['election safety', 'log matching', 'leader completeness', 'state machine safety', 'linearizable read', 'durability'])

/**
 * Seeds each variant may take. Measured: about one churn seed in 30 catches the Figure 8 bug, so
 * 300 seeds miss it with probability near 1e-5; the other two are caught far more often.
 */
const seedBudget: Record<BrokenVariantName, number> = {
  commitsEarlierTerms: 300,
  grantsTwoVotes: 300,
  sendsBeforePersisting: 300,
}

for (const name of Object.keys(brokenVariants) as BrokenVariantName[]) {
  const variant = brokenVariants[name]
  t.test(`caught: ${variant.description}`, async (t) => {
    let caught: { seed: number; check: string; detail: string; tried: number } | null = null
    for (let tried = 1; tried <= seedBudget[name] && caught === null; tried++) {
      const result = runSimulation({ seed: tried, steps: defaultSteps, createCore: variant.createCore, driver: variant.driver, traceLines: 0, adjustProfile: leaderChurn })
      if (!result.ok && safetyChecks.has(result.check)) caught = { seed: result.seed, check: result.check, detail: result.detail, tried }
    }
    t.ok(caught !== null, `${name} is caught within ${seedBudget[name]} seeds`)
    if (caught !== null) t.comment(`${name}: caught by ${caught.check} after ${caught.tried} seeds (seed ${caught.seed}): ${caught.detail}`)
  })
}
