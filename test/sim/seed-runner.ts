/** Runs a range of seeds and sums what they covered; shared by the CLI and the tests. */
import type { CoreFactory, DriverMode } from './replica.js'
import { profileShapes, type ProfileShape } from './sim-profile.js'
import { runSimulation, zeroStats, type SimResult, type SimStats } from './simulation.js'

/** Fault-phase events per seed unless told otherwise. */
export const defaultSteps = 5000

export interface SeedsRequest {
  readonly firstSeed: number
  readonly count: number
  readonly steps: number
  readonly createCore: CoreFactory
  readonly driver: DriverMode
  readonly profile: ProfileShape
  readonly traceLines: number
  readonly stopOnFailure: boolean
  readonly onFailure?: (failure: Extract<SimResult, { ok: false }>) => void
}

export interface SeedsSummary {
  readonly run: number
  readonly failures: ReadonlyArray<Extract<SimResult, { ok: false }>>
  readonly totals: SimStats
  readonly maxConvergeTicks: number
}

export function runSeeds(request: SeedsRequest): SeedsSummary {
  const failures: Array<Extract<SimResult, { ok: false }>> = []
  const totals: SimStats = zeroStats()
  let maxConvergeTicks = 0
  let run = 0
  for (let seed = request.firstSeed; seed < request.firstSeed + request.count; seed++) {
    const result = runSimulation({
      seed,
      steps: request.steps,
      createCore: request.createCore,
      driver: request.driver,
      traceLines: request.traceLines,
      adjustProfile: profileShapes[request.profile],
    })
    run++
    for (const key of Object.keys(totals) as Array<keyof SimStats>) totals[key] += result.stats[key]
    maxConvergeTicks = Math.max(maxConvergeTicks, result.stats.convergeTicks)
    if (!result.ok) {
      failures.push(result)
      request.onFailure?.(result)
      if (request.stopOnFailure) break
    }
  }
  return { run, failures, totals, maxConvergeTicks }
}
