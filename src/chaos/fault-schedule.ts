import { allNodes, membersOf, officeOf, validateTopology, type ChaosTopology, type LinkScope } from './chaos-topology.js'
import {
  planBridge,
  planMajoritiesRing,
  planRandomHalves,
  planSplitOffices,
  type PartitionPlan,
  type PlanOf,
} from './partition-patterns.js'
import { SeededRandom, type Random } from './seeded-random.js'

/**
 * The nemesis timeline of a chaos run: from a seed, the run's length and the fault kinds asked
 * for, a deterministic list of faults, each starting at `atS` and healed `durationS` later.
 *
 * Generated faults always satisfy `scheduleProblems` (see there): every fault heals before the
 * final quiet period, an office never has more of its replicas down at once than it can spare,
 * and a replica that lost its data rebuilds while nothing else touches its office.
 */

export const FAULT_KINDS = [
  'kill',
  'pause',
  'partition',
  'delay',
  'duplicate',
  'clock-jump',
  'coordinator-pause',
  'coordinator-kill',
  'data-loss',
] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** A replica named up front, or whichever replica leads the office when the fault fires. */
export type NodeTarget = { readonly kind: 'node'; readonly id: string } | { readonly kind: 'leader'; readonly office: string }

/** A partition plan, except that the node to isolate may be "the leader at that moment". */
export type PartitionSpec =
  | PlanOf<'random-halves' | 'majorities-ring' | 'bridge' | 'split-offices'>
  | { readonly pattern: 'isolate'; readonly target: NodeTarget }

interface Timing {
  readonly atS: number
  /** Seconds until the fault is healed (restart, resume, heal, restore). */
  readonly durationS: number
}

export type ScheduledFault = Timing &
  (
    | { readonly kind: 'kill'; readonly target: NodeTarget }
    | { readonly kind: 'pause'; readonly target: NodeTarget }
    | { readonly kind: 'partition'; readonly partition: PartitionSpec }
    | { readonly kind: 'delay'; readonly links: LinkScope; readonly delayMs: number; readonly jitterMs: number }
    | { readonly kind: 'duplicate'; readonly links: LinkScope; readonly probability: number }
    | { readonly kind: 'clock-jump'; readonly target: NodeTarget; readonly offsetMs: number }
    /** Pause the office's leader while it coordinates, for longer than a hold lease. */
    | { readonly kind: 'coordinator-pause'; readonly office: string }
    /** Kill the office's leader between a cross-office decision and its delivery; restart it after `durationS`. */
    | { readonly kind: 'coordinator-kill'; readonly office: string }
    /** Wipe a replica's data; after `durationS` it rejoins as a new member and rebuilds. */
    | { readonly kind: 'data-loss'; readonly target: { readonly kind: 'node'; readonly id: string } }
  )

export interface ScheduleOptions {
  readonly seed: number
  readonly durationS: number
  readonly kinds: readonly FaultKind[]
  readonly topology: ChaosTopology
  /** No fault starts before this. */
  readonly warmupS?: number
  /** Every fault is healed this long before the end, so the cluster can quiesce before the checks. */
  readonly quietS?: number
  /** Average seconds between fault starts. */
  readonly meanGapS?: number
  /** The 2PC hold lease: coordinator pauses last 1.5 to 2.5 times this. */
  readonly holdLeaseS?: number
  /** Time a replica that lost its data is given to rebuild before its office may be disturbed again. */
  readonly rebuildS?: number
}

interface ResolvedOptions {
  readonly durationS: number
  readonly topology: ChaosTopology
  readonly warmupS: number
  readonly quietS: number
  readonly meanGapS: number
  readonly holdLeaseS: number
  readonly rebuildS: number
}

export class FaultScheduleError extends Error {
  override readonly name = 'FaultScheduleError'
}

/** Parses a comma-separated list such as `kill,pause,partition`, naming any unknown kind. */
export function parseFaultKinds(list: string): FaultKind[] {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0)
  if (names.length === 0) throw new FaultScheduleError(`fault list "${list}" names no fault kind`)
  return names.map((name) => {
    const kind = FAULT_KINDS.find((known) => known === name)
    if (kind === undefined) {
      throw new FaultScheduleError(`unknown fault kind "${name}" (known: ${FAULT_KINDS.join(', ')})`)
    }
    return kind
  })
}

const ATTEMPTS_PER_SLOT = 6

export function generateFaultSchedule(options: ScheduleOptions): ScheduledFault[] {
  const resolved = resolveOptions(options)
  const random = new SeededRandom(options.seed)
  const healBy = resolved.durationS - resolved.quietS
  const kinds = options.kinds.filter((kind) => kind !== 'partition' || allNodes(resolved.topology).length >= 2)
  const schedule: ScheduledFault[] = []
  if (kinds.length === 0) return schedule
  for (let atS = resolved.warmupS; atS < healBy; atS += random.between(0.5, 1.5) * resolved.meanGapS) {
    for (let attempt = 0; attempt < ATTEMPTS_PER_SLOT; attempt++) {
      const fault = drawFault(random.pick(kinds), round(atS), resolved, random)
      if (fault === null) continue
      if (scheduleProblems([...schedule, fault], resolved).length === 0) {
        schedule.push(fault)
        break
      }
    }
  }
  return schedule
}

/**
 * Everything wrong with a schedule, as readable sentences (empty when it is fine):
 * - a fault starts before 0 or is healed after the end minus the quiet period (for data loss,
 *   its rebuild time must fit too);
 * - more replicas of one office down at once (killed, paused, coordinator-paused or -killed, wiped) than a
 *   majority can spare, or one replica hit by two such faults at once;
 * - a wiped replica's office touched by any other fault (including any partition) while it is down
 *   or rebuilding: if another copy of the log were lost then, committed data could be gone for good;
 * - two partitions, two delays or two duplications at once (the proxies apply one of each);
 * - two clock jumps on the same replica at once.
 */
export function scheduleProblems(
  schedule: readonly ScheduledFault[],
  options: Pick<ResolvedOptions, 'durationS' | 'quietS' | 'topology' | 'rebuildS'>,
): string[] {
  const problems: string[] = []
  const healBy = options.durationS - options.quietS
  schedule.forEach((fault, index) => {
    const name = `fault #${index} (${fault.kind} at ${fault.atS}s)`
    if (fault.atS < 0 || !(fault.durationS > 0)) problems.push(`${name} has a negative start or no duration`)
    if (settledAt(fault, options.rebuildS) > healBy) {
      problems.push(`${name} is not healed by ${healBy}s (the end minus the quiet period)`)
    }
    schedule.slice(index + 1).forEach((other, offset) => {
      if (!overlap(fault, other, options.rebuildS)) return
      const clash = clashBetween(fault, other, options.topology)
      if (clash !== null) problems.push(`${name} and fault #${index + 1 + offset} (${other.kind} at ${other.atS}s) ${clash}`)
    })
  })
  // Replicas down per office, checked at every instant where a down-fault starts.
  for (const start of schedule) {
    for (const office of options.topology.offices) {
      const down = schedule.filter(
        (fault) => downOffice(fault, options.topology) === office.id && fault.atS <= start.atS && start.atS < settledAt(fault, 0),
      )
      const spare = Math.floor((office.members.length - 1) / 2)
      if (down.length > spare) {
        problems.push(`at ${start.atS}s office "${office.id}" has ${down.length} replicas down but can spare only ${spare}`)
      }
    }
  }
  return [...new Set(problems)]
}

function resolveOptions(options: ScheduleOptions): ResolvedOptions {
  const topology = validateTopology(options.topology)
  const positive = (name: string, value: number) => {
    if (!Number.isFinite(value) || value <= 0) throw new FaultScheduleError(`${name} must be a positive number of seconds, got ${value}`)
    return value
  }
  const durationS = positive('chaos duration', options.durationS)
  const quietS = positive('quiet period', options.quietS ?? Math.min(10, Math.max(2, durationS * 0.2)))
  const warmupS = options.warmupS ?? Math.min(2, durationS * 0.1)
  if (warmupS < 0) throw new FaultScheduleError(`warm-up must not be negative, got ${warmupS}`)
  if (warmupS + quietS >= durationS) {
    throw new FaultScheduleError(`a ${durationS}s run leaves no time for faults after ${warmupS}s warm-up and ${quietS}s quiet period`)
  }
  return {
    durationS,
    topology,
    quietS,
    warmupS,
    meanGapS: positive('mean gap between faults', options.meanGapS ?? 3),
    holdLeaseS: positive('hold lease', options.holdLeaseS ?? 3),
    rebuildS: positive('rebuild time', options.rebuildS ?? 5),
  }
}

function drawFault(kind: FaultKind, atS: number, options: ResolvedOptions, random: Random): ScheduledFault | null {
  const topology = options.topology
  const seconds = (min: number, max: number) => round(random.between(min, max))
  const latest = options.durationS - options.quietS - atS
  const fits = (durationS: number, extra = 0) => durationS + extra <= latest
  const anyNode = () => random.pick(allNodes(topology))
  const anyOffice = () => random.pick(topology.offices).id
  const target = (): NodeTarget => (random.chance(0.5) ? { kind: 'leader', office: anyOffice() } : { kind: 'node', id: anyNode() })
  const linkScope = (): LinkScope => {
    const roll = random.int(0, topology.offices.length >= 2 ? 2 : 1)
    if (roll === 0) return { kind: 'all-links' }
    if (roll === 1) return { kind: 'links-of', node: anyNode() }
    const [a, b] = random.shuffle(topology.offices.map((office) => office.id))
    return { kind: 'between-offices', offices: [a as string, b as string] }
  }
  const fault = ((): ScheduledFault => {
    switch (kind) {
      case 'kill':
        return { kind, atS, durationS: seconds(1, 4), target: target() }
      case 'pause':
        return { kind, atS, durationS: seconds(1, 4), target: target() }
      case 'partition':
        return { kind, atS, durationS: seconds(2, 6), partition: drawPartition(topology, random) }
      case 'delay': {
        const delayMs = random.int(20, 200)
        return { kind, atS, durationS: seconds(2, 6), links: linkScope(), delayMs, jitterMs: random.int(0, Math.floor(delayMs / 2)) }
      }
      case 'duplicate':
        return { kind, atS, durationS: seconds(2, 6), links: linkScope(), probability: round(random.between(0.1, 0.5)) }
      case 'clock-jump': {
        const offsetMs = random.int(1000, 30_000) * (random.chance(0.5) ? 1 : -1)
        return { kind, atS, durationS: seconds(2, 6), target: target(), offsetMs }
      }
      case 'coordinator-pause':
        return { kind, atS, durationS: seconds(options.holdLeaseS * 1.5, options.holdLeaseS * 2.5), office: anyOffice() }
      case 'coordinator-kill':
        return { kind, atS, durationS: seconds(1, 4), office: anyOffice() }
      case 'data-loss':
        return { kind, atS, durationS: seconds(1, 3), target: { kind: 'node', id: anyNode() } }
    }
  })()
  return fits(fault.durationS, fault.kind === 'data-loss' ? options.rebuildS : 0) ? fault : null
}

function drawPartition(topology: ChaosTopology, random: Random): PartitionSpec {
  const nodes = allNodes(topology)
  const patterns = ['random-halves', 'isolate', 'majorities-ring', 'bridge', ...(topology.offices.length >= 2 ? ['split-offices'] : [])]
  switch (random.pick(patterns)) {
    case 'isolate':
      return {
        pattern: 'isolate',
        target: random.chance(0.5) ? { kind: 'leader', office: random.pick(topology.offices).id } : { kind: 'node', id: random.pick(nodes) },
      }
    case 'majorities-ring':
      return planMajoritiesRing(nodes, random)
    case 'bridge':
      return planBridge(nodes, random)
    case 'split-offices':
      return planSplitOffices(topology, random)
    default:
      return planRandomHalves(nodes, random)
  }
}

/** When the fault stops mattering: healed, and for data loss also rebuilt. */
function settledAt(fault: ScheduledFault, rebuildS: number): number {
  return fault.atS + fault.durationS + (fault.kind === 'data-loss' ? rebuildS : 0)
}

function overlap(a: ScheduledFault, b: ScheduledFault, rebuildS: number): boolean {
  return a.atS < settledAt(b, rebuildS) && b.atS < settledAt(a, rebuildS)
}

/** The office whose replica a fault takes down, or null for faults that take no replica down. */
function downOffice(fault: ScheduledFault, topology: ChaosTopology): string | null {
  switch (fault.kind) {
    case 'kill':
    case 'pause':
    case 'data-loss':
      return targetOffice(fault.target, topology)
    case 'coordinator-pause':
    case 'coordinator-kill':
      membersOf(topology, fault.office)
      return fault.office
    default:
      return null
  }
}

function targetOffice(target: NodeTarget, topology: ChaosTopology): string {
  if (target.kind === 'node') return officeOf(topology, target.id)
  membersOf(topology, target.office)
  return target.office
}

/** Why two overlapping faults may not run together, or null when they may. */
function clashBetween(a: ScheduledFault, b: ScheduledFault, topology: ChaosTopology): string | null {
  for (const [one, other] of [
    [a, b],
    [b, a],
  ] as const) {
    if (one.kind === 'data-loss') {
      const office = officeOf(topology, one.target.id)
      if (other.kind === 'partition' || touchesOffice(other, office, topology)) {
        return `overlap while office "${office}" rebuilds a wiped replica`
      }
    }
  }
  if (a.kind === b.kind && (a.kind === 'partition' || a.kind === 'delay' || a.kind === 'duplicate')) {
    return `are both ${a.kind} faults at once`
  }
  if (a.kind === 'clock-jump' && b.kind === 'clock-jump' && sameTarget(a.target, b.target)) {
    return 'jump the same clock at once'
  }
  const downA = downTarget(a)
  const downB = downTarget(b)
  if (downA !== null && downB !== null && sameTarget(downA, downB)) return 'take the same replica down at once'
  return null
}

function downTarget(fault: ScheduledFault): NodeTarget | null {
  switch (fault.kind) {
    case 'kill':
    case 'pause':
    case 'data-loss':
      return fault.target
    case 'coordinator-pause':
    case 'coordinator-kill':
      return { kind: 'leader', office: fault.office }
    default:
      return null
  }
}

function sameTarget(a: NodeTarget, b: NodeTarget): boolean {
  return a.kind === 'node' ? b.kind === 'node' && a.id === b.id : b.kind === 'leader' && a.office === b.office
}

function touchesOffice(fault: ScheduledFault, office: string, topology: ChaosTopology): boolean {
  switch (fault.kind) {
    case 'kill':
    case 'pause':
    case 'clock-jump':
    case 'data-loss':
      return targetOffice(fault.target, topology) === office
    case 'coordinator-pause':
    case 'coordinator-kill':
      return fault.office === office
    case 'partition':
      return true
    case 'delay':
    case 'duplicate':
      return scopeTouches(fault.links, office, topology)
  }
}

function scopeTouches(scope: LinkScope, office: string, topology: ChaosTopology): boolean {
  switch (scope.kind) {
    case 'all-links':
      return true
    case 'links-of':
      return officeOf(topology, scope.node) === office
    case 'between-offices':
      return scope.offices.includes(office)
  }
}

/** Milliseconds are precision enough for a schedule, and round numbers read better in reports. */
function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000
}

/** The concrete node of a target when the fault fires; `leaderOf` answers from live status. */
export function resolveTarget(target: NodeTarget, leaderOf: (office: string) => string): string {
  return target.kind === 'node' ? target.id : leaderOf(target.office)
}

export function resolvePartition(spec: PartitionSpec, leaderOf: (office: string) => string): PartitionPlan {
  return spec.pattern === 'isolate' ? { pattern: 'isolate', node: resolveTarget(spec.target, leaderOf) } : spec
}
