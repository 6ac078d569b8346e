/**
 * Carries out a fault schedule against the cluster under test: each fault starts at its time and
 * is healed (restart, resume, heal, clear) after its duration. Every fault is recorded with the
 * replica or links it hit and when it really started and ended, for the report's timeline and
 * recovery times. `healAll` ends whatever is still going, so a run always finishes healed.
 */
import { linksInScope, officeOf, type LinkScope } from '../chaos-topology.js'
import { resolvePartition, resolveTarget, type NodeTarget, type ScheduledFault } from '../fault-schedule.js'
import type { PartitionPlan } from '../partition-patterns.js'
import type { ClusterUnderTest } from './cluster-under-test.js'

/** What a fault really did. Times are seconds since the run started. */
export interface FaultRecord {
  readonly kind: ScheduledFault['kind']
  readonly target: string
  readonly atS: number
  /** When it was healed; null if it never started or is still active. */
  endS: number | null
  /** The offices whose replicas or links it touched: where recovery is measured. */
  readonly offices: readonly string[]
  /** Why a scheduled fault was not injected (its target was already down), else null. */
  readonly skipped: string | null
}

export interface NemesisOptions {
  readonly cluster: ClusterUnderTest
  readonly schedule: readonly ScheduledFault[]
  /** The current leader of an office, if known. */
  readonly leaderOf: (office: string) => string | undefined
  /** Seconds since the run started. */
  readonly elapsedS: () => number
  /** One line per action, for progress on stderr. */
  readonly onAction?: (line: string) => void
}

type Heal = () => Promise<void> | void

export class Nemesis {
  readonly records: FaultRecord[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly active = new Map<FaultRecord, Heal>()
  private readonly down = new Set<string>()
  /** Injections and heals under way. */
  private readonly running = new Set<Promise<void>>()
  private stopped = false

  constructor(private readonly options: NemesisOptions) {}

  /** Arms every fault's start; times in the schedule are relative to now. */
  start(): void {
    const offsetS = this.options.elapsedS()
    for (const fault of this.options.schedule) {
      this.after(fault.atS - offsetS, () => this.inject(fault))
    }
  }

  /** Cancels faults not yet started, lets any fault being injected finish, and heals every active one. */
  async healAll(): Promise<void> {
    this.stopped = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    // A kill being injected now must be restarted here too, never after the cluster is stopped.
    await Promise.all(this.running)
    await Promise.all([...this.active.keys()].map((record) => this.heal(record)))
  }

  private after(seconds: number, action: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (this.stopped) return
      const running = action().catch((error: unknown) => this.options.onAction?.(`nemesis error: ${(error as Error).message}`))
      this.running.add(running)
      void running.finally(() => this.running.delete(running))
    }, Math.max(0, seconds * 1000))
    this.timers.add(timer)
  }

  private async inject(fault: ScheduledFault): Promise<void> {
    const { cluster } = this.options
    const topology = cluster.topology
    const nodeOf = (target: NodeTarget): string =>
      resolveTarget(target, (office) => this.options.leaderOf(office) ?? topology.offices.find((o) => o.id === office)?.members[0] ?? office)
    const begin = (target: string, offices: readonly string[], heal: Heal, skipped: string | null = null): void => {
      const record: FaultRecord = { kind: fault.kind, target, atS: round(this.options.elapsedS()), endS: null, offices, skipped }
      this.records.push(record)
      this.options.onAction?.(`${record.atS}s ${fault.kind} ${target}${skipped === null ? ` for ${fault.durationS}s` : ` skipped: ${skipped}`}`)
      if (skipped !== null) return
      this.active.set(record, heal)
      this.after(fault.durationS, () => this.heal(record))
    }
    switch (fault.kind) {
      case 'kill':
      case 'pause':
      // A coordinator pause freezes the office's leader, which coordinates its bookings, past the
      // hold lease: a new leader re-drives (or presumes abort of) its transactions, and the old
      // one wakes with a stale term its peers must fence off.
      case 'coordinator-pause': {
        const node = nodeOf(fault.kind === 'coordinator-pause' ? { kind: 'leader', office: fault.office } : fault.target)
        const offices = [officeOf(topology, node)]
        if (this.down.has(node)) return begin(node, offices, () => {}, 'the replica is already down')
        const replica = cluster.replica(node)
        this.down.add(node)
        if (fault.kind === 'kill') {
          await replica.kill()
          begin(node, offices, () => {
            this.down.delete(node)
            replica.start()
          })
        } else {
          replica.pause()
          begin(node, offices, () => {
            this.down.delete(node)
            replica.resume()
          })
        }
        return
      }
      case 'partition': {
        const plan = resolvePartition(fault.partition, (office) => nodeOf({ kind: 'leader', office }))
        const blocked = cluster.network.partition(plan)
        const offices = unique(blocked.flatMap((link) => [officeOf(topology, link.from), officeOf(topology, link.to)]))
        return begin(describePartition(plan), offices, () => cluster.network.heal())
      }
      case 'delay':
      case 'duplicate': {
        const linkFault =
          fault.kind === 'delay'
            ? ({ kind: 'delay', delayMs: fault.delayMs, jitterMs: fault.jitterMs } as const)
            : ({ kind: 'duplicate', probability: fault.probability } as const)
        cluster.network.applyLinkFault(fault.links, linkFault)
        const offices = unique(linksInScope(fault.links, topology).flatMap((link) => [officeOf(topology, link.from), officeOf(topology, link.to)]))
        const what = fault.kind === 'delay' ? `${fault.delayMs}±${fault.jitterMs}ms` : `p=${fault.probability}`
        return begin(`${describeScope(fault.links)} ${what}`, offices, () => cluster.network.clearLinkFault(fault.kind))
      }
      case 'clock-jump':
      case 'data-loss':
        // Refused when the run is configured (see UNSUPPORTED_FAULTS); reaching here is a harness bug.
        throw new Error(`fault kind "${fault.kind}" is not supported by this harness`)
    }
  }

  private async heal(record: FaultRecord): Promise<void> {
    const heal = this.active.get(record)
    if (heal === undefined) return
    this.active.delete(record)
    await heal()
    record.endS = round(this.options.elapsedS())
    this.options.onAction?.(`${record.endS}s healed ${record.kind} ${record.target}`)
  }
}

function describePartition(plan: PartitionPlan): string {
  const side = (nodes: readonly string[]) => nodes.join(',')
  switch (plan.pattern) {
    case 'isolate':
      return `isolate ${plan.node}`
    case 'random-halves':
    case 'split-offices':
      return `${plan.pattern} ${side(plan.sides[0])} | ${side(plan.sides[1])}`
    case 'bridge':
      return `bridge ${plan.bridge} between ${side(plan.sides[0])} | ${side(plan.sides[1])}`
    case 'majorities-ring':
      return `majorities-ring ${plan.ring.join('-')}`
  }
}

function describeScope(scope: LinkScope): string {
  switch (scope.kind) {
    case 'all-links':
      return 'all links'
    case 'links-of':
      return `links of ${scope.node}`
    case 'between-offices':
      return `${scope.offices[0]}<->${scope.offices[1]}`
  }
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)].sort()
}

function round(seconds: number): number {
  return Math.round(seconds * 10) / 10
}
