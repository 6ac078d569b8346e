/**
 * Carries out a fault schedule against the cluster under test: each fault starts at its time and
 * is healed (restart, resume, heal, clear) after its duration. Every fault is recorded with the
 * replica or links it hit and when it really started and ended, for the report's timeline and
 * recovery times. `healAll` ends whatever is still going, so a run always finishes healed.
 */
import { access, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { chaosHookFiles, type AfterDecisionAction } from '../../node/chaos-test-hooks.js'
import { linksInScope, officeOf, type LinkScope } from '../chaos-topology.js'
import { resolvePartition, resolveTarget, type NodeTarget, type ScheduledFault } from '../fault-schedule.js'
import { renamePlanNodes, type PartitionPlan } from '../partition-patterns.js'
import type { ClusterUnderTest } from './cluster-under-test.js'
import { isStopped, waitUntilStopped } from './process-state.js'

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
  /**
   * How it struck, when the target alone does not say (a clock jump's offset, a coordinator fault's
   * timing), or how it healed (the replica that replaced a wiped one).
   */
  detail?: string
}

/** What the nemesis uses of the cluster under test. */
export type NemesisCluster = Pick<ClusterUnderTest, 'topology' | 'replica' | 'network' | 'wipe' | 'replace'>

export interface NemesisOptions {
  readonly cluster: NemesisCluster
  readonly schedule: readonly ScheduledFault[]
  /** The current leader of an office, if known. */
  readonly leaderOf: (office: string) => string | undefined
  /** Seconds since the run started. */
  readonly elapsedS: () => number
  /** One line per action, for progress on stderr. */
  readonly onAction?: (line: string) => void
  /** Where the replicas read their test-only hook files (src/node/chaos-test-hooks.ts). */
  readonly hooksDirectory: string
  /** Called with a replica the nemesis is about to make die on its own, so its exit is not taken for a crash. */
  readonly expectExit?: (nodeId: string, expected: boolean) => void
}

/** How long a coordinator fault waits for the leader's next cross-office decision before striking anyway. */
const DECISION_WAIT_MS = 3000
const HOOK_POLL_MS = 10
/** How long a replica that took its hook may take to stop itself (it is only preempted, on a loaded machine). */
const SELF_STOP_WAIT_MS = 5000

/** Ends a fault; given its record, to note how it healed. */
type Heal = (record: FaultRecord) => Promise<void> | void

export class Nemesis {
  readonly records: FaultRecord[] = []
  /** Heals that failed (e.g. a replacement replica that never caught up): the cluster did not come back whole. */
  readonly healFailures: string[] = []
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly active = new Map<FaultRecord, Heal>()
  /**
   * Replicas taken down and not yet back, with their office. A wiped replica whose replacement
   * failed stays here for good: its office is short of it for the rest of the run.
   */
  private readonly down = new Map<string, string>()
  /** How many replicas each office is meant to have: what its majority is counted from. */
  private readonly officeSizes: ReadonlyMap<string, number>
  /** A wiped replica's replacement, by the wiped replica's id: the schedule names replicas as they were at the start. */
  private readonly replacedBy = new Map<string, string>()
  /** Offices replacing a wiped replica: none of their replicas is taken down meanwhile. */
  private readonly replacing = new Set<string>()
  /** Injections and heals under way. */
  private readonly running = new Set<Promise<void>>()
  private stopped = false

  constructor(private readonly options: NemesisOptions) {
    this.officeSizes = new Map(options.cluster.topology.offices.map((office) => [office.id, office.members.length]))
  }

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
    // The settle phase needs every replica running: disarm every after-decision hook (a replica
    // that found one armed would stop itself with nobody left to resume it). A replica still
    // stopped now is a harness bug (as in seeds 12 and 17 of the long campaign): it is reported,
    // and resumed so the settle phase can still judge everything else.
    const nodes = this.options.cluster.topology.offices.flatMap((office) => office.members)
    await Promise.all(nodes.map((node) => rm(chaosHookFiles(this.options.hooksDirectory, node).afterDecision, { force: true })))
    for (const node of nodes) {
      const replica = this.options.cluster.replica(node)
      if (replica.pid !== null && (await isStopped(replica.pid))) {
        this.healFailures.push(`${node} was still stopped after every fault was healed; resumed for the settle phase`)
        replica.resume()
      }
    }
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
    const leaderOf = (office: string) => this.options.leaderOf(office) ?? topology.offices.find((o) => o.id === office)?.members[0] ?? office
    const nodeOf = (target: NodeTarget): string => this.current(resolveTarget(target, leaderOf))
    // A replica still down keeps the office it had: one wiped and never replaced may be gone from the topology.
    const officeOfNode = (node: string): string => this.down.get(node) ?? officeOf(topology, node)
    const begin = (target: string, offices: readonly string[], heal: Heal, skipped: string | null = null, detail?: string): void => {
      const record: FaultRecord = { kind: fault.kind, target, atS: round(this.options.elapsedS()), endS: null, offices, skipped, ...(detail === undefined ? {} : { detail }) }
      this.records.push(record)
      this.options.onAction?.(`${record.atS}s ${fault.kind} ${target}${detail === undefined ? '' : ` (${detail})`}${skipped === null ? ` for ${fault.durationS}s` : ` skipped: ${skipped}`}`)
      if (skipped !== null) return
      this.active.set(record, heal)
      this.after(fault.durationS, () => this.heal(record))
    }
    switch (fault.kind) {
      case 'kill':
      case 'pause':
      // Coordinator faults strike the office's leader, which coordinates its cross-office changes,
      // right after it made a decision durable and before it sent it (through the replica's test
      // hook). Paused past the hold lease, a new leader delivers the decision and the old one wakes
      // with a stale term its peers must fence off; killed, the new leader delivers what it decided.
      case 'coordinator-pause':
      case 'coordinator-kill': {
        const coordinator = fault.kind === 'coordinator-pause' || fault.kind === 'coordinator-kill'
        const node = nodeOf(coordinator ? { kind: 'leader', office: fault.office } : fault.target)
        const offices = [officeOfNode(node)]
        const refused = this.cannotTakeDown(node, offices)
        if (refused !== null) return begin(node, offices, () => {}, refused)
        const replica = cluster.replica(node)
        this.takeDown(node)
        const dies = fault.kind === 'kill' || fault.kind === 'coordinator-kill'
        let when: string | undefined
        let stoppedItself = false
        if (coordinator) {
          if (dies) this.options.expectExit?.(node, true)
          const atDecision = await this.atNextDecision(node, dies ? 'exit' : 'stop')
          when = atDecision ? 'at a decision' : `no decision within ${DECISION_WAIT_MS / 1000}s: struck from outside`
          // A replica that stops itself gets no SIGSTOP from here: ours could land between its
          // writing the done file and its own SIGSTOP, and the heal's SIGCONT would then only let it
          // carry out its own stop, for good (seeds 12 and 17 of the long campaign). The heal waits
          // until it is really stopped, for the same reason.
          stoppedItself = atDecision && !dies
          if (stoppedItself && replica.pid !== null) await waitUntilStopped(replica.pid, SELF_STOP_WAIT_MS)
        }
        if (dies) {
          await replica.kill()
          begin(
            node,
            offices,
            () => {
              this.down.delete(node)
              this.options.expectExit?.(node, false)
              replica.start()
            },
            null,
            when,
          )
        } else {
          if (!stoppedItself) replica.pause()
          begin(
            node,
            offices,
            () => {
              this.down.delete(node)
              replica.resume()
            },
            null,
            when,
          )
        }
        return
      }
      case 'partition': {
        const plan = renamePlanNodes(resolvePartition(fault.partition, leaderOf), (node) => this.current(node))
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
        const links = fault.links.kind === 'links-of' ? { ...fault.links, node: this.current(fault.links.node) } : fault.links
        cluster.network.applyLinkFault(links, linkFault)
        const offices = unique(linksInScope(links, topology).flatMap((link) => [officeOf(topology, link.from), officeOf(topology, link.to)]))
        const what = fault.kind === 'delay' ? `${fault.delayMs}±${fault.jitterMs}ms` : `p=${fault.probability}`
        return begin(`${describeScope(links)} ${what}`, offices, () => cluster.network.clearLinkFault(fault.kind))
      }
      case 'clock-jump': {
        // The replica's wall clock (proposal stamps, hold leases) jumps; healing sets it right again.
        const node = nodeOf(fault.target)
        const file = chaosHookFiles(this.options.hooksDirectory, node).clockOffset
        await writeFile(file, String(fault.offsetMs))
        return begin(node, [officeOf(topology, node)], () => writeFile(file, '0'), null, `${fault.offsetMs > 0 ? '+' : ''}${fault.offsetMs}ms`)
      }
      case 'data-loss': {
        // The disk is lost now; the heal is the operator's answer: replace it with a new member.
        const node = nodeOf(fault.target)
        const offices = [officeOfNode(node)]
        const refused = this.cannotTakeDown(node, offices)
        if (refused !== null) return begin(node, offices, () => {}, refused)
        this.takeDown(node)
        for (const office of offices) this.replacing.add(office)
        await cluster.wipe(node)
        return begin(node, offices, async (record) => {
          try {
            const replacement = await cluster.replace(node)
            this.replacedBy.set(node, replacement)
            this.down.delete(node)
            record.detail = `replaced by ${replacement}`
          } finally {
            for (const office of offices) this.replacing.delete(office)
          }
        })
      }
    }
  }

  /**
   * Why `node` may not be taken down now, or null. The schedule keeps other faults off an office
   * for a fixed rebuild time, but a replacement may take longer on a loaded machine: until it has
   * caught up, the office's majority rests on its remaining replicas alone.
   */
  private cannotTakeDown(node: string, offices: readonly string[]): string | null {
    if (this.down.has(node)) return 'the replica is already down'
    if (offices.some((office) => this.replacing.has(office))) return 'its office is still replacing a wiped replica'
    // The schedule keeps each office within what its majority can spare, but only as planned: a heal
    // that ran late or failed (a replacement that never joined) leaves replicas down longer.
    for (const office of offices) {
      const downHere = [...this.down].filter(([, of]) => of === office).map(([id]) => id)
      const spare = Math.floor(((this.officeSizes.get(office) ?? 1) - 1) / 2)
      if (downHere.length >= spare) return `office "${office}" can spare ${spare} replica(s) and has ${downHere.length} down${downHere.length === 0 ? '' : ` (${downHere.join(', ')})`}`
    }
    return null
  }

  private takeDown(node: string): void {
    this.down.set(node, officeOf(this.options.cluster.topology, node))
  }

  /** The replica now standing for one the schedule names (itself, unless it was wiped and replaced). */
  private current(node: string): string {
    let id = node
    for (let next = this.replacedBy.get(id); next !== undefined; next = this.replacedBy.get(id)) id = next
    return id
  }

  /**
   * Arms the leader's after-decision hook and waits until it fired (the replica stopped or killed
   * itself right after making a decision durable). Returns false if no decision came in time: the
   * hook is disarmed and the caller strikes from outside instead.
   */
  private async atNextDecision(node: string, action: AfterDecisionAction): Promise<boolean> {
    const files = chaosHookFiles(this.options.hooksDirectory, node)
    await rm(files.afterDecisionDone, { force: true })
    // Armed whole, by rename: a replica taking a file still being written would find it empty.
    await writeFile(`${files.afterDecision}.arming`, action)
    await rename(`${files.afterDecision}.arming`, files.afterDecision)
    const done = async (waitMs: number) => {
      for (let waitedMs = 0; waitedMs < waitMs; waitedMs += HOOK_POLL_MS) {
        if (await exists(files.afterDecisionDone)) return true
        await pause(HOOK_POLL_MS)
      }
      return false
    }
    if (await done(DECISION_WAIT_MS)) return true
    // Disarm. The replica takes the file by renaming it, so if it is gone the replica has taken it
    // just now and is about to act on it: striking from outside as well would race its own stop.
    if (await removedHere(files.afterDecision)) return false
    return done(SELF_STOP_WAIT_MS)
  }

  private async heal(record: FaultRecord): Promise<void> {
    const heal = this.active.get(record)
    if (heal === undefined) return
    this.active.delete(record)
    try {
      await heal(record)
    } catch (error) {
      const failure = `healing ${record.kind} ${record.target} (at ${record.atS}s) failed: ${(error as Error).message}`
      this.healFailures.push(failure)
      this.options.onAction?.(failure)
      return
    }
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

/** Deletes the file; false if it was not there (someone else took it). */
async function removedHere(path: string): Promise<boolean> {
  try {
    await unlink(path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw error
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path)
    return true
  } catch {
    return false
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
