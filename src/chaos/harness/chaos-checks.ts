/**
 * The checks of a chaos run and how their findings combine. The six contract checks always appear
 * in the report; `exercised` says which of them some workload actually produced evidence for, so a
 * 0 for a check nobody ran is never mistaken for a pass.
 */
export const CONTRACT_CHECKS = [
  'linearizable',
  'lostAcknowledgedWrites',
  'doubleBookings',
  'atomicityViolations',
  'staleTokenWritesAccepted',
  'missedNotifications',
] as const

/** Checks of the cluster itself, run after every chaos run whatever the workload. */
export const CLUSTER_CHECKS = ['multipleLeadersInATerm', 'divergentReplicas', 'quiesced', 'replicaCrashes'] as const

export type ContractCheck = (typeof CONTRACT_CHECKS)[number]
export type CheckName = ContractCheck | (typeof CLUSTER_CHECKS)[number]

/** How the linearizability search ended over all keys: `unknown` keys ran out of budget. */
export interface LinearizabilityFindings {
  readonly keys: number
  readonly violatedKeys: number
  readonly unknownKeys: number
  readonly violations: readonly string[]
}

/**
 * What one checker found. Counters count violations (0 = clean). `linearizable` is true only when
 * every key was proven linearizable: a key whose search ran out of budget makes it false too, and
 * `linearizability.unknownKeys` says that this, not a violation, is why.
 */
export interface CheckFindings {
  readonly linearizable?: boolean
  readonly linearizability?: LinearizabilityFindings
  readonly lostAcknowledgedWrites?: number
  readonly doubleBookings?: number
  readonly atomicityViolations?: number
  readonly staleTokenWritesAccepted?: number
  readonly missedNotifications?: number
  readonly multipleLeadersInATerm?: number
  readonly divergentReplicas?: number
  readonly quiesced?: boolean
  readonly replicaCrashes?: number
  /**
   * Not a violation count: cross-office messages the participants fenced off (stale term or token,
   * conflicting decision, never prepared). Evidence that fencing was exercised; expected > 0 in runs
   * that pause coordinators past their hold lease.
   */
  readonly fencingRejected?: number
  /** Readable reasons behind any non-zero count, for the summary. */
  readonly problems?: readonly string[]
}

export interface CheckResults {
  readonly linearizable: boolean
  readonly lostAcknowledgedWrites: number
  readonly doubleBookings: number
  readonly atomicityViolations: number
  readonly staleTokenWritesAccepted: number
  readonly missedNotifications: number
  readonly multipleLeadersInATerm: number
  readonly divergentReplicas: number
  readonly quiesced: boolean
  readonly replicaCrashes: number
}

/**
 * Combines every checker's findings. A check nobody exercised reports the neutral value (0, or
 * true for `linearizable`, as the contract's shape requires) and is left out of `exercised`.
 */
export function combineFindings(all: readonly CheckFindings[]): {
  checks: CheckResults
  linearizability: LinearizabilityFindings | null
  exercised: CheckName[]
  fencingRejected: number | null
  problems: string[]
} {
  const exercised = new Set<CheckName>()
  const sum = (name: Exclude<CheckName, 'linearizable' | 'quiesced'>): number => {
    let total = 0
    for (const findings of all) {
      const value = findings[name]
      if (value === undefined) continue
      exercised.add(name)
      total += value
    }
    return total
  }
  const every = (name: 'linearizable' | 'quiesced'): boolean => {
    let result = true
    for (const findings of all) {
      const value = findings[name]
      if (value === undefined) continue
      exercised.add(name)
      result &&= value
    }
    return result
  }
  const checks: CheckResults = {
    linearizable: every('linearizable'),
    lostAcknowledgedWrites: sum('lostAcknowledgedWrites'),
    doubleBookings: sum('doubleBookings'),
    atomicityViolations: sum('atomicityViolations'),
    staleTokenWritesAccepted: sum('staleTokenWritesAccepted'),
    missedNotifications: sum('missedNotifications'),
    multipleLeadersInATerm: sum('multipleLeadersInATerm'),
    divergentReplicas: sum('divergentReplicas'),
    quiesced: every('quiesced'),
    replicaCrashes: sum('replicaCrashes'),
  }
  const linearizability = all.reduce<LinearizabilityFindings | null>((merged, findings) => {
    const next = findings.linearizability
    if (next === undefined) return merged
    if (merged === null) return next
    return {
      keys: merged.keys + next.keys,
      violatedKeys: merged.violatedKeys + next.violatedKeys,
      unknownKeys: merged.unknownKeys + next.unknownKeys,
      violations: [...merged.violations, ...next.violations],
    }
  }, null)
  const order = [...CONTRACT_CHECKS, ...CLUSTER_CHECKS]
  return {
    checks,
    linearizability,
    exercised: order.filter((name) => exercised.has(name)),
    fencingRejected: all.some((findings) => findings.fencingRejected !== undefined) ? all.reduce((total, findings) => total + (findings.fencingRejected ?? 0), 0) : null,
    problems: all.flatMap((findings) => findings.problems ?? []),
  }
}

/** A run passes when every check came out clean; an unexercised check cannot fail it. */
export function checksPass(checks: CheckResults): boolean {
  return (
    checks.linearizable &&
    checks.quiesced &&
    checks.lostAcknowledgedWrites === 0 &&
    checks.doubleBookings === 0 &&
    checks.atomicityViolations === 0 &&
    checks.staleTokenWritesAccepted === 0 &&
    checks.missedNotifications === 0 &&
    checks.multipleLeadersInATerm === 0 &&
    checks.divergentReplicas === 0 &&
    checks.replicaCrashes === 0
  )
}
