/**
 * One seeded run of a simulated Raft cluster. Two phases:
 * 1. Faults: for `steps` events (message deliveries, ticks, scheduled actions) replicas crash and
 *    restart, the network partitions, loses, delays, reorders and duplicates messages, membership
 *    changes, leadership moves, and clients write and read.
 * 2. Liveness: everything heals (links perfect, partitions gone, crashed replicas restarted). Within
 *    `livenessTicks` a leader must be elected, a fresh write and a read must complete, and every
 *    member must apply the same log; then every acknowledged write must be applied everywhere.
 * Safety checks run after every single event. Everything derives from the seed: same seed, same
 * run, same trace digest.
 */
import type { ConfChange, ConfState, Message, NodeId } from '../../raft/types.js'
import { EventQueue } from './event-queue.js'
import { FaultScheduler, type ClusterView, type FaultAction } from './fault-scheduler.js'
import { describeConfChange } from './membership.js'
import { Prng } from './prng.js'
import { encodeWrite } from './register-machine.js'
import { productionDriver, SimReplica, type CoreFactory, type DriverMode, type ReplicaHost } from './replica.js'
import { SafetyChecker } from './safety-checker.js'
import { describePartition, perfectLinks, SimNetwork } from './sim-network.js'
import { describeProfile, drawProfile, type SimProfile } from './sim-profile.js'
import { describeMessage, Trace } from './trace.js'
import { SimulationViolation } from './violation.js'
import { Workload } from './workload.js'

export interface SimOptions {
  readonly seed: number
  /** Events in the fault phase. */
  readonly steps: number
  readonly createCore: CoreFactory
  /** How replicas process their Readys; the production driver's model unless told otherwise. */
  readonly driver?: DriverMode
  /** Ticks the healed cluster gets to elect a leader and converge. */
  readonly livenessTicks?: number
  /** Events kept for the failure trace. */
  readonly traceLines?: number
  /** Reshapes the profile drawn from the seed, e.g. to concentrate on one kind of fault. */
  readonly adjustProfile?: (drawn: SimProfile) => SimProfile
}

export const defaultLivenessTicks = 400
const maxEventsInFlight = 5_000

export interface SimStats {
  events: number
  delivered: number
  snapshotChunks: number
  crashes: number
  partitions: number
  confChanges: number
  transfers: number
  leaderTerms: number
  snapshotsInstalled: number
  compactions: number
  writesAcked: number
  readsServed: number
  /** Ticks from healing to a converged cluster. */
  convergeTicks: number
}

/** Every counter at zero: a fresh run's stats, or the start of a sum over runs. */
export function zeroStats(): SimStats {
  return {
    events: 0,
    delivered: 0,
    snapshotChunks: 0,
    crashes: 0,
    partitions: 0,
    confChanges: 0,
    transfers: 0,
    leaderTerms: 0,
    snapshotsInstalled: 0,
    compactions: 0,
    writesAcked: 0,
    readsServed: 0,
    convergeTicks: 0,
  }
}

export type SimResult =
  | { readonly ok: true; readonly seed: number; readonly digest: string; readonly stats: SimStats }
  | {
      readonly ok: false
      readonly seed: number
      readonly digest: string
      readonly stats: SimStats
      readonly check: string
      readonly detail: string
      readonly profile: string
      readonly trace: readonly string[]
    }

type SimEvent =
  | { readonly kind: 'deliver'; readonly message: Message }
  | { readonly kind: 'tick'; readonly node: NodeId; readonly generation: number }
  | { readonly kind: 'writeLands'; readonly node: NodeId; readonly write: number }
  | { readonly kind: 'chaos' }
  | { readonly kind: 'client' }
  | { readonly kind: 'restart'; readonly node: NodeId }
  | { readonly kind: 'crash'; readonly node: NodeId }
  | { readonly kind: 'heal' }
  | { readonly kind: 'shutdown'; readonly node: NodeId }

export function runSimulation(options: SimOptions): SimResult {
  return new Simulation(options).run()
}

class Simulation implements ReplicaHost {
  readonly checker = new SafetyChecker()
  readonly workload = new Workload()
  private readonly random: Prng
  private readonly profile: SimProfile
  private readonly network: SimNetwork
  private readonly scheduler: FaultScheduler
  private readonly queue = new EventQueue<SimEvent>()
  private readonly trace: Trace
  private readonly replicas = new Map<NodeId, SimReplica>()
  /** Bumped per restart so a crashed incarnation's pending ticks are ignored. */
  private readonly tickGeneration = new Map<NodeId, number>()
  /** Time units per tick of each replica's clock (fixed for the replica's lifetime). */
  private readonly clockRate = new Map<NodeId, number>()
  private readonly leaderTerms = new Set<number>()
  private clock = 0
  private faultsOn = true
  private replicaSeq = 0
  private bootstrapConf: ConfState = { voters: [], learners: [] }
  private readonly stats: SimStats = zeroStats()

  constructor(private readonly options: SimOptions) {
    const root = new Prng(options.seed)
    const drawn = drawProfile(root.fork('profile'))
    this.profile = options.adjustProfile === undefined ? drawn : options.adjustProfile(drawn)
    this.random = root.fork('schedule')
    this.network = new SimNetwork(root.fork('network'), this.profile.links)
    this.scheduler = new FaultScheduler(root.fork('faults'), this.profile)
    this.trace = new Trace(options.traceLines ?? 80)
  }

  now(): number {
    return this.clock
  }

  record(text: string): void {
    this.trace.record(this.clock, text)
  }

  send(message: Message): void {
    // Amplifying message loops would otherwise hang the run; a healthy cluster stays far below.
    if (this.queue.size > maxEventsInFlight) {
      throw new SimulationViolation('message storm', `more than ${maxEventsInFlight} events in flight at t=${this.clock}; last sent: ${describeMessage(message)}`)
    }
    for (const delay of this.network.route(message.from, message.to)) {
      this.queue.push(this.clock + delay, { kind: 'deliver', message })
    }
  }

  removalApplied(node: NodeId): void {
    const replica = this.replicas.get(node)
    if (replica === undefined || replica.status() === 'removed') return
    this.queue.push(this.clock + this.random.between(0, 30 * this.profile.tickInterval), { kind: 'shutdown', node })
  }

  writeStarted(node: NodeId, write: number): void {
    this.queue.push(this.clock + this.random.between(...this.profile.writeLatency), { kind: 'writeLands', node, write })
  }

  messagesSent(node: NodeId, asLeader: boolean): void {
    if (!this.faultsOn) return
    // Queued at the current time, so no tick or later message reaches the node first.
    if (this.random.chance(this.profile.crashAfterSendRate)) this.queue.push(this.clock, { kind: 'crash', node })
    if (asLeader && this.network.currentPartition().kind === 'none' && this.random.chance(this.profile.isolateLeaderAfterSendRate)) {
      this.perform({ kind: 'partition', partition: { kind: 'isolated', node }, healTicks: this.random.between(...this.profile.partitionTicks) })
    }
  }

  countSnapshotInstalled(): void {
    this.stats.snapshotsInstalled++
  }

  countCompaction(): void {
    this.stats.compactions++
  }

  run(): SimResult {
    try {
      this.bootstrap()
      this.runFaultPhase()
      this.runLivenessPhase()
      this.checkAcknowledgedWritesEverywhere()
      return { ok: true, seed: this.options.seed, digest: this.trace.digest(), stats: this.finalStats() }
    } catch (error) {
      const violation =
        error instanceof SimulationViolation
          ? error
          : new SimulationViolation('core threw', error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error))
      return {
        ok: false,
        seed: this.options.seed,
        digest: this.trace.digest(),
        stats: this.finalStats(),
        check: violation.check,
        detail: violation.detail,
        profile: describeProfile(this.profile),
        trace: this.trace.lines(),
      }
    }
  }

  private finalStats(): SimStats {
    return { ...this.stats, leaderTerms: this.leaderTerms.size, writesAcked: this.workload.acknowledged().length, readsServed: this.workload.readsServed }
  }

  private bootstrap(): void {
    const voters: NodeId[] = []
    for (let i = 0; i < this.profile.voters; i++) voters.push(this.newReplicaId())
    this.bootstrapConf = { voters, learners: [] }
    this.record(`profile: ${describeProfile(this.profile)}`)
    for (const id of voters) this.createReplica(id, this.bootstrapConf)
    this.queue.push(this.profile.tickInterval, { kind: 'chaos' })
    this.queue.push(1, { kind: 'client' })
  }

  private newReplicaId(): NodeId {
    return `n${++this.replicaSeq}`
  }

  private createReplica(id: NodeId, conf: ConfState): void {
    const replica = new SimReplica(
      id,
      conf,
      {
        config: this.profile.raft,
        createCore: this.options.createCore,
        driver: this.options.driver ?? productionDriver,
        durableMachine: this.profile.durableMachine,
        compactEvery: this.profile.compactEvery,
      },
      this.random.fork(`replica ${id}`),
      this,
    )
    this.replicas.set(id, replica)
    this.clockRate.set(id, this.profile.tickInterval + (this.random.chance(0.5) ? 1 : 0))
    this.startReplica(replica)
  }

  private startReplica(replica: SimReplica): void {
    const generation = (this.tickGeneration.get(replica.id) ?? 0) + 1
    this.tickGeneration.set(replica.id, generation)
    replica.start()
    this.observeLeadership(replica)
    // Each replica ticks from its own phase, so ticks interleave with messages.
    this.queue.push(this.clock + 1 + this.random.int(this.tickRate(replica.id)), { kind: 'tick', node: replica.id, generation })
  }

  private runFaultPhase(): void {
    while (this.stats.events < this.options.steps) {
      if (!this.step()) break
    }
  }

  private runLivenessPhase(): void {
    this.faultsOn = false
    this.network.setPartition({ kind: 'none' })
    this.network.setConditions(perfectLinks)
    this.record('faults off: network healed, crashed replicas restart')
    for (const replica of this.replicas.values()) if (replica.status() === 'down') this.startReplica(replica)
    const healedAt = this.clock
    const deadline = healedAt + (this.options.livenessTicks ?? defaultLivenessTicks) * this.profile.tickInterval
    const probe = new ConvergenceProbe(this)
    while (this.clock <= deadline) {
      if (probe.converged()) {
        this.stats.convergeTicks = Math.ceil((this.clock - healedAt) / this.profile.tickInterval)
        this.record(`converged after ${this.stats.convergeTicks} ticks`)
        return
      }
      if (!this.step()) break
    }
    throw new SimulationViolation('liveness', `no convergence within ${this.options.livenessTicks ?? defaultLivenessTicks} ticks after healing: ${probe.describe()}`)
  }

  /** Runs one event and the checks after it; false when nothing is left to do. */
  private step(): boolean {
    const next = this.queue.pop()
    if (next === null) return false
    this.clock = next.time
    this.stats.events++
    const event = next.event
    switch (event.kind) {
      case 'deliver':
        this.deliver(event.message)
        break
      case 'tick':
        this.tick(event.node, event.generation)
        break
      case 'writeLands': {
        // A crash dropped the writes of the incarnation that started it; the replica ignores it then.
        const replica = this.replicas.get(event.node)
        if (replica === undefined || !replica.isUp()) break
        replica.writeLands(event.write)
        this.observeLeadership(replica)
        break
      }
      case 'chaos':
        if (this.faultsOn) {
          for (const action of this.scheduler.actionsForTick(this.clusterView())) this.perform(action)
          this.queue.push(this.clock + this.profile.tickInterval, { kind: 'chaos' })
        }
        break
      case 'client':
        if (this.faultsOn) {
          this.clientOperation()
          const meanGap = this.profile.tickInterval / this.profile.clientRate
          this.queue.push(this.clock + 1 + this.random.int(Math.max(1, Math.round(2 * meanGap))), { kind: 'client' })
        }
        break
      case 'restart': {
        const replica = this.replicas.get(event.node)
        if (this.faultsOn && replica !== undefined && replica.status() === 'down') this.startReplica(replica)
        break
      }
      case 'crash':
        if (this.faultsOn) this.perform({ kind: 'crash', node: event.node, downTicks: this.random.between(3, 60) })
        break
      case 'heal':
        if (this.faultsOn && this.network.currentPartition().kind !== 'none') {
          this.network.setPartition({ kind: 'none' })
          this.record('partition healed')
        }
        break
      case 'shutdown': {
        const replica = this.replicas.get(event.node)
        if (replica !== undefined && replica.status() !== 'removed') replica.shutDown()
        break
      }
    }
    return true
  }

  private deliver(message: Message): void {
    const target = this.replicas.get(message.to)
    if (target === undefined || !target.isUp() || !this.network.connected(message.from, message.to)) return
    this.stats.delivered++
    if (message.type === 'snapshot') this.stats.snapshotChunks++
    this.record(`deliver ${describeMessage(message)}`)
    target.deliver(message)
    this.observeLeadership(target)
  }

  private tick(node: NodeId, generation: number): void {
    const replica = this.replicas.get(node)
    if (replica === undefined || !replica.isUp() || this.tickGeneration.get(node) !== generation) return
    replica.tick()
    this.observeLeadership(replica)
    this.queue.push(this.clock + this.tickRate(node), { kind: 'tick', node, generation })
  }

  private tickRate(node: NodeId): number {
    return this.clockRate.get(node) ?? this.profile.tickInterval
  }

  private observeLeadership(replica: SimReplica): void {
    if (!replica.isUp()) return
    const status = replica.running().status()
    if (status.role === 'leader') this.leaderTerms.add(status.term)
  }

  /** The up replica that is leader in the highest term, as an operator would find it. */
  leader(): SimReplica | null {
    let best: SimReplica | null = null
    let bestTerm = -1
    for (const replica of this.replicas.values()) {
      if (!replica.isUp()) continue
      const status = replica.running().status()
      if (status.role === 'leader' && status.term > bestTerm) {
        best = replica
        bestTerm = status.term
      }
    }
    return best
  }

  replica(id: NodeId): SimReplica | undefined {
    return this.replicas.get(id)
  }

  /** Proposes a client write at `replica`; returns the write id if the core accepted it. */
  proposeWrite(replica: SimReplica): string | null {
    const id = this.workload.nextWriteId()
    const result = replica.running().propose(encodeWrite(id))
    if (!result.ok) return null
    this.workload.writeAccepted(replica.id, id, result.index, result.term)
    this.record(`client write ${id} accepted by ${replica.id} at ${result.index}/${result.term}`)
    replica.afterStep()
    return id
  }

  /** Issues a read at `replica`; returns its context if the core took it. */
  issueRead(replica: SimReplica): string | null {
    const context = this.workload.nextReadContext()
    const result = replica.running().readIndex(context)
    if (!result.ok) return null
    this.workload.readAccepted(replica.id, context, this.clock)
    this.record(`client read ${context} issued at ${replica.id}`)
    replica.afterStep()
    return context
  }

  private clientOperation(): void {
    const up = [...this.replicas.values()].filter((r) => r.isUp())
    if (up.length === 0) return
    let target = this.random.pick(up)
    if (this.random.chance(this.profile.readShare)) {
      // Reads go to any replica: followers forward them to the leader.
      this.issueRead(target)
      return
    }
    const hint = target.running().status().leader
    const hinted = hint === null ? undefined : this.replicas.get(hint)
    if (target.running().status().role !== 'leader' && hinted?.isUp() === true) target = hinted
    this.proposeWrite(target)
  }

  private clusterView(): ClusterView {
    const up: NodeId[] = []
    const down: NodeId[] = []
    for (const replica of this.replicas.values()) {
      if (replica.status() === 'up') up.push(replica.id)
      else if (replica.status() === 'down') down.push(replica.id)
    }
    const leader = this.leader()
    return {
      up,
      down,
      leader: leader === null ? null : { id: leader.id, conf: leader.running().status().conf },
      partitioned: this.network.currentPartition().kind !== 'none',
      replicasCreated: this.replicaSeq,
      nextReplicaId: () => this.newReplicaId(),
    }
  }

  private perform(action: FaultAction): void {
    switch (action.kind) {
      case 'crash': {
        const replica = this.replicas.get(action.node)
        if (replica === undefined || !replica.isUp()) return
        replica.crash()
        this.stats.crashes++
        this.queue.push(this.clock + action.downTicks * this.profile.tickInterval, { kind: 'restart', node: action.node })
        return
      }
      case 'partition':
        this.network.setPartition(action.partition)
        this.stats.partitions++
        this.record(`partition: ${describePartition(action.partition)}`)
        this.queue.push(this.clock + action.healTicks * this.profile.tickInterval, { kind: 'heal' })
        return
      case 'membership':
        this.changeMembership(action.change)
        return
      case 'transfer': {
        const leader = this.leader()
        if (leader === null) return
        const result = leader.running().transferLeadership(action.to)
        this.record(`transfer leadership ${leader.id} -> ${action.to}: ${result.ok ? 'started' : result.reason}`)
        if (result.ok) this.stats.transfers++
        leader.afterStep()
        return
      }
    }
  }

  private changeMembership(change: ConfChange): void {
    const leader = this.leader()
    if (leader === null) return
    const result = leader.running().proposeConfChange(change)
    this.record(`propose ${describeConfChange(change)} at ${leader.id}: ${result.ok ? `index ${result.index}` : result.reason}`)
    if (!result.ok) return
    this.stats.confChanges++
    leader.afterStep()
    const isNew = (change.type === 'addLearner' || change.type === 'addVoter') && !this.replicas.has(change.node)
    // A joiner starts from the group's bootstrap membership, like every member did: the config
    // entries it receives are replayed on top of that (an empty start would make the joiner, once
    // promoted, believe it is the only voter), and a snapshot replaces it.
    if (isNew) this.createReplica(change.node, this.bootstrapConf)
  }

  private checkAcknowledgedWritesEverywhere(): void {
    const leader = this.leader()
    if (leader === null) throw new SimulationViolation('liveness', 'leader lost after convergence')
    const conf = leader.running().status().conf
    for (const id of [...conf.voters, ...conf.learners]) {
      const machine = this.replicas.get(id)?.stateMachine()
      if (machine === undefined) throw new SimulationViolation('liveness', `member ${id} has no replica`)
      for (const write of this.workload.acknowledged()) {
        const applied = machine.writeIdAt(write.index)
        if (applied !== write.id) {
          throw new SimulationViolation('durability', `acknowledged write ${write.id} at index ${write.index} (acked t=${write.ackedAt}) is ${applied === undefined ? 'missing' : `replaced by ${applied}`} on ${id}`)
        }
      }
    }
  }

  members(conf: ConfState): NodeId[] {
    return [...conf.voters, ...conf.learners]
  }
}

/**
 * Decides when the healed cluster has converged: a leader exists, a fresh write proposed there
 * was acknowledged, a read issued after that was served, and every member has applied exactly
 * the leader's whole log.
 */
class ConvergenceProbe {
  /** The final write and read, each tied to the leader it was issued at. */
  private write: { leader: NodeId; id: string } | null = null
  private read: { leader: NodeId; context: string } | null = null
  private lastPicture = 'no leader yet'

  constructor(private readonly sim: Simulation) {}

  converged(): boolean {
    const leader = this.sim.leader()
    if (leader === null) {
      this.lastPicture = 'no leader'
      return false
    }
    const writeState = this.write === null ? undefined : this.sim.workload.outcome(this.write.id)
    if (writeState !== 'done') {
      if (this.write === null || this.write.leader !== leader.id || writeState === 'failed') {
        const id = this.sim.proposeWrite(leader)
        this.write = id === null ? null : { leader: leader.id, id }
      }
      this.lastPicture = `leader ${leader.id}, final write ${this.write === null ? 'refused' : 'pending'}`
      return false
    }
    const readState = this.read === null ? undefined : this.sim.workload.outcome(this.read.context)
    if (readState !== 'done') {
      if (this.read === null || this.read.leader !== leader.id || readState === 'failed') {
        const context = this.sim.issueRead(leader)
        this.read = context === null ? null : { leader: leader.id, context }
      }
      this.lastPicture = `leader ${leader.id}, final read ${this.read === null ? 'refused' : 'pending'}`
      return false
    }
    const status = leader.running().status()
    const lagging: string[] = []
    for (const id of this.sim.members(status.conf)) {
      const replica = this.sim.replica(id)
      const applied = replica?.stateMachine().appliedIndex()
      if (replica === undefined || !replica.isUp() || applied !== status.lastIndex) lagging.push(`${id}@${applied ?? 'none'}`)
    }
    this.lastPicture = `leader ${leader.id} term ${status.term} commit ${status.commit} last ${status.lastIndex}; lagging ${lagging.join(' ') || 'none'}`
    return status.commit === status.lastIndex && lagging.length === 0
  }

  describe(): string {
    return this.lastPicture
  }
}
