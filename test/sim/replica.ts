/**
 * One simulated replica: the Raft core, its durable storage, its state machine, and the driver
 * loop that honours the Ready contract in one of several ways (see DriverMode).
 * `crash()` throws away everything but the storage (and the state machine when it is durable,
 * the way a LevelDB-backed machine writes each applied entry with its index in one batch: as of
 * the last apply whose log write had landed, since that write waits for it), and `start()`
 * rebuilds the core from what was persisted.
 */
import { splitByDurability, type PersistBatch } from '../../raft/driver.js'
import type { ConfState, Entry, HardState, Message, NodeId, RaftConfig, Ready, RestoredState, SnapshotMeta } from '../../raft/types.js'
import type { Prng } from './prng.js'
import { RegisterMachine, type MachineCheckpoint } from './register-machine.js'
import type { SafetyChecker } from './safety-checker.js'
import { SimStorage } from './sim-storage.js'
import { describeConfChange } from './membership.js'
import { SimulationViolation } from './violation.js'
import type { Workload } from './workload.js'
import type { SimulatedCore } from './simulated-core.js'
import { WritePipeline } from './write-pipeline.js'

export type CoreFactory = (config: RaftConfig, restored: RestoredState) => SimulatedCore

/**
 * How the driver honours the Ready contract.
 * - `pipelined` is the production driver (raft/driver.ts). Readys are taken one after another
 *   without waiting for storage: each one's write goes to a WritePipeline, whose writes land one
 *   at a time, in order, each at its own simulation event some time after it started (the
 *   profile's `writeLatency`), and a crash drops those that have not. A leader's appends and heartbeats
 *   leave at once when the term and vote handed out are the durable ones (`splitByDurability`);
 *   every other message leaves once the writes handed out before it have landed, and only then
 *   does the core count those entries as stored. Committed entries are applied at once, even
 *   before this replica's own write of them lands; a durable state machine's write of them lands
 *   with that log write, and compaction goes only as far. A snapshot from the leader waits for
 *   every pending write to land.
 * - `appendsBeforePersist` is the production driver before pipelining: one Ready at a time; a
 *   leader's appends and heartbeats leave at once, and the Ready's write, its other messages, its
 *   apply and advance complete only after the replica's next event (a message is stepped into the
 *   core first), so acknowledgements can arrive before the leader's own write, and a crash in
 *   between (e.g. the after-send fault) loses it.
 * - `persistBeforeSend` writes before sending anything.
 * - `sendBeforePersist` is a deliberately broken one (test-only) that sends everything at once and
 *   only writes to storage at its next tick, so a crash in between loses what it promised.
 */
export type DriverMode = 'pipelined' | 'appendsBeforePersist' | 'persistBeforeSend' | 'sendBeforePersist'

/** The mode that models raft/driver.ts: the default of every run that names none. */
export const productionDriver: DriverMode = 'pipelined'

export interface ReplicaOptions {
  readonly config: Omit<RaftConfig, 'id' | 'random'>
  readonly createCore: CoreFactory
  readonly driver: DriverMode
  /** Whether the state machine survives a crash (applied index restored) or is rebuilt from the snapshot. */
  readonly durableMachine: boolean
  /** The application snapshots once this many entries were applied since the last snapshot. */
  readonly compactEvery: number
}

/** What a replica needs from the simulation around it. */
export interface ReplicaHost {
  now(): number
  send(message: Message): void
  record(text: string): void
  readonly checker: SafetyChecker
  readonly workload: Workload
  removalApplied(node: NodeId): void
  /** Write `write` of `node` went to storage: `writeLands(write)` once it has taken its time. */
  writeStarted(node: NodeId, write: number): void
  /** A Ready's messages just left `node`: a chance for a fault at exactly that moment. */
  messagesSent(node: NodeId, asLeader: boolean): void
  countSnapshotInstalled(): void
  countCompaction(): void
}

const maxReadysPerStep = 1000

export type ReplicaState = 'up' | 'down' | 'removed'

export class SimReplica {
  readonly storage: SimStorage
  private machine: RegisterMachine
  private core: SimulatedCore | null = null
  private incarnation = 0
  private state: ReplicaState = 'down'
  /** Readys sent but not yet written, for the broken `sendBeforePersist` driver only. */
  private unwritten: Ready[] = []
  /** For `appendsBeforePersist`: the Ready whose appends left and whose write is in flight. */
  private writing: { readonly ready: Ready; readonly late: readonly Message[] } | null = null
  /** For `pipelined`: the writes handed out that have not landed. */
  private readonly pendingWrites = new WritePipeline()
  /** For `pipelined`: the term and vote last handed out (durable or still being written). */
  private handedOutHardState: HardState = { term: 0, vote: null, commit: 0 }
  /**
   * The state machine as of the last apply whose log writes have landed: what a durable machine
   * holds after a crash, and how far the log may be compacted. With every driver but `pipelined`
   * that is every apply, since they write before they apply.
   */
  private settled: MachineCheckpoint
  /** The log as the running core knows it (persisted plus not yet written), for completeness checks. */
  private knownLog: SimStorage

  constructor(
    readonly id: NodeId,
    private readonly bootstrapConf: ConfState,
    private readonly options: ReplicaOptions,
    private readonly random: Prng,
    private readonly host: ReplicaHost,
  ) {
    this.storage = new SimStorage(id, bootstrapConf)
    this.knownLog = this.storage
    this.machine = RegisterMachine.empty(bootstrapConf)
    this.settled = this.machine.checkpoint()
  }

  status(): ReplicaState {
    return this.state
  }

  isUp(): boolean {
    return this.state === 'up'
  }

  /** The running core; only call while `isUp()`. */
  running(): SimulatedCore {
    if (this.core === null) throw new Error(`replica ${this.id} is not running`)
    return this.core
  }

  stateMachine(): RegisterMachine {
    return this.machine
  }

  start(): void {
    if (this.state === 'removed') throw new Error(`replica ${this.id} was removed and cannot restart`)
    this.incarnation++
    // The broken driver defers every write, the state machine's included: it restarts from the snapshot.
    const machineSurvives = this.options.durableMachine && this.options.driver !== 'sendBeforePersist'
    if (!machineSurvives) {
      const snapshot = this.storage.snapshot()
      this.machine = snapshot === null ? RegisterMachine.empty(this.bootstrapConf) : RegisterMachine.fromSnapshot(snapshot)
    }
    this.settled = this.machine.checkpoint()
    this.handedOutHardState = this.storage.hardState()
    const restored = this.storage.restoredState(this.machine.appliedIndex())
    const random = this.random.fork(`${this.id}#${this.incarnation}`)
    this.core = this.options.createCore({ ...this.options.config, id: this.id, random: () => random.next() }, restored)
    this.knownLog = this.options.driver !== 'sendBeforePersist' ? this.storage : cloneStorage(this.storage, this.id, this.bootstrapConf)
    this.state = 'up'
    this.host.record(`start ${this.id} (incarnation ${this.incarnation}, term ${restored.hardState.term}, log ${this.storage.snapshotIndex()}..${this.storage.lastIndex()}, applied ${restored.applied})`)
    this.afterStep()
  }

  crash(): void {
    if (this.state !== 'up') return
    this.core = null
    this.unwritten = []
    this.writing = null
    this.pendingWrites.drop()
    this.machine = this.machine.rewoundTo(this.settled)
    this.state = 'down'
    this.host.checker.forget(this.id)
    this.host.workload.replicaDown(this.id)
    this.host.record(`crash ${this.id}`)
  }

  /** Removed from the cluster and its removal committed: the operator stops it for good. */
  shutDown(): void {
    this.crash()
    this.state = 'removed'
    this.host.record(`shut down removed ${this.id}`)
  }

  tick(): void {
    const core = this.running()
    this.writeUnwritten()
    this.finishWriting(core)
    core.tick()
    this.afterStep()
  }

  deliver(message: Message): void {
    const core = this.running()
    core.step(message)
    // The message was stepped while the write was in flight (an acknowledgement may overtake the
    // leader's own write); with `appendsBeforePersist` the write lands right after.
    this.finishWriting(core)
    this.afterStep()
  }

  /** The simulation's event for a pipelined write: it lands, and the one behind it goes to storage. */
  writeLands(write: number): void {
    const core = this.running()
    // Landed already: a snapshot from the leader waited for it.
    if (this.pendingWrites.underWay() !== write) return
    this.landOldestWrite(core)
    this.startWrite(core)
    // The applies it settled may be due for compaction.
    this.maybeCompact(core)
    this.afterStep()
  }

  /** Drains the core's Readys, then reports the replica's role to the safety checker. */
  afterStep(): void {
    const core = this.running()
    let readys = 0
    while (this.writing === null && core.hasReady()) {
      // A core whose hasReady() never turns false would hang the run instead of failing it.
      if (++readys > maxReadysPerStep) {
        throw new SimulationViolation('ready livelock', `${this.id}: hasReady() still true after ${maxReadysPerStep} Readys in one step`)
      }
      this.handleReady(core, core.ready())
    }
    // The loop yields: the write chain takes up the write these Readys gathered in.
    this.startWrite(core)
    const status = core.status()
    this.host.checker.observeRole(this.id, status.role, status.term, status.commit, this.knownLog)
  }

  private handleReady(core: SimulatedCore, ready: Ready): void {
    if (ready.softState !== null) {
      this.host.record(`${this.id} is ${ready.softState.role} in term ${ready.softState.term} (leader ${ready.softState.leader ?? 'unknown'})`)
    }
    switch (this.options.driver) {
      case 'pipelined':
        this.pipelineReady(core, ready)
        return
      case 'appendsBeforePersist': {
        const { early, late } = splitByDurability(ready, this.storage.hardState(), ready.hardState ?? this.storage.hardState())
        if (early.length === 0) break
        for (const message of early) this.host.send(message)
        this.writing = { ready, late }
        this.host.messagesSent(this.id, core.status().role === 'leader')
        return
      }
      case 'persistBeforeSend':
        break
      case 'sendBeforePersist':
        if (this.knownLog !== this.storage) this.knownLog.persist(ready)
        this.unwritten.push(ready)
        this.completeReady(core, ready, ready.messages)
        return
    }
    this.write(ready)
    this.completeReady(core, ready, ready.messages)
  }

  /** The in-flight write of `appendsBeforePersist` lands; the rest of its Ready follows. */
  private finishWriting(core: SimulatedCore): void {
    const writing = this.writing
    if (writing === null) return
    this.writing = null
    this.write(writing.ready)
    this.completeReady(core, writing.ready, writing.late)
  }

  /** Everything after the write: send `messages`, install, advance, apply, serve reads. */
  private completeReady(core: SimulatedCore, ready: Ready, messages: readonly Message[]): void {
    for (const message of messages) this.host.send(message)
    if (ready.snapshot !== null) this.install(ready)
    core.advanceStored(ready.snapshot, ready.entries)
    this.applyCommitted(core, ready)
    if (messages.length > 0) this.host.messagesSent(this.id, core.status().role === 'leader')
  }

  /**
   * The pipelined driver: the Ready's write joins the pending writes, and the messages that
   * vouch for it wait for them; the leader's appends leave now; committed entries apply now.
   */
  private pipelineReady(core: SimulatedCore, ready: Ready): void {
    if (ready.hardState !== null) this.handedOutHardState = ready.hardState
    if (ready.snapshot !== null) {
      // It replaces the stored log and the state: every write handed out before lands first.
      this.landAllWrites(core)
      this.write(ready)
      this.completeReady(core, ready, ready.messages)
      return
    }
    const { early, late } = splitByDurability(ready, this.storage.hardState(), this.handedOutHardState)
    // Even a Ready with nothing to store queues behind the writes under way: its messages vouch for them.
    const mustWait = ready.entries.length > 0 || ready.hardState !== null || !this.pendingWrites.isEmpty()
    const now = mustWait ? early : [...early, ...late]
    for (const message of now) this.host.send(message)
    if (mustWait) this.pendingWrites.enqueue(ready.entries, ready.hardState, late)
    this.applyCommitted(core, ready)
    if (now.length > 0) this.host.messagesSent(this.id, core.status().role === 'leader')
  }

  /**
   * The write chain takes up the oldest write, unless one is under way. One with nothing to store
   * (it only holds messages back) lands at once: the driver makes no storage call for it.
   */
  private startWrite(core: SimulatedCore): void {
    for (let started = this.pendingWrites.startOldest(); started !== null; started = this.pendingWrites.startOldest()) {
      const write = this.pendingWrites.oldest()
      if (write !== undefined && (write.entries.length > 0 || write.hardState !== null)) {
        this.host.writeStarted(this.id, started)
        return
      }
      this.landOldestWrite(core)
    }
  }

  /** Before a snapshot from the leader is stored: everything handed out before it lands first. */
  private landAllWrites(core: SimulatedCore): void {
    while (!this.pendingWrites.isEmpty()) {
      this.pendingWrites.startOldest()
      this.landOldestWrite(core)
    }
  }

  /** The write under way is stored: its messages leave, the core counts its entries as stored, its applies settle. */
  private landOldestWrite(core: SimulatedCore): void {
    const write = this.pendingWrites.land()
    if (write === undefined) return
    const first = write.entries[0]?.index
    const last = write.entries[write.entries.length - 1]?.index
    const hard = write.hardState === null ? '' : `, term ${write.hardState.term} vote ${write.hardState.vote ?? 'none'} commit ${write.hardState.commit}`
    this.host.record(`${this.id} write landed: ${first === undefined ? 'no entries' : `entries ${first}..${last}`}${hard}, ${write.late.length} messages`)
    this.write({ snapshot: null, entries: write.entries, hardState: write.hardState })
    for (const message of write.late) this.host.send(message)
    if (write.entries.length > 0) core.advanceStored(null, write.entries)
    if (write.settles !== null) this.settled = write.settles
    if (write.late.length > 0) this.host.messagesSent(this.id, core.status().role === 'leader')
  }

  /** Applies the Ready's committed entries, serves reads, compacts when due. */
  private applyCommitted(core: SimulatedCore, ready: Ready): void {
    for (const entry of ready.committed) this.apply(entry)
    for (const read of ready.readStates) this.host.workload.readState(this.id, read)
    for (const context of ready.readFailures) this.host.workload.readFailed(context)
    core.advanceApplied(ready.committed)
    if (ready.committed.length > 0) {
      // The state machine's write of these effects may land only after the log writes holding
      // the entries, i.e. with the newest write handed out (at once if none is pending).
      const effects = this.machine.checkpoint()
      const newest = this.pendingWrites.newest()
      if (newest === undefined) this.settled = effects
      else newest.settles = effects
    }
    this.maybeCompact(core)
    this.host.workload.serveReads(this.id, this.machine, this.host.now())
  }

  private write(batch: PersistBatch): void {
    const written = this.storage.persist(batch)
    this.host.checker.observePersisted(this.id, this.storage, written, batch.snapshot)
  }

  private writeUnwritten(): void {
    const pending = this.unwritten
    this.unwritten = []
    for (const ready of pending) this.write(ready)
  }

  private install(ready: Ready): void {
    const snapshot = ready.snapshot
    if (snapshot === null) return
    this.machine = RegisterMachine.fromSnapshot(snapshot)
    this.settled = this.machine.checkpoint()
    this.host.checker.observeInstalled(this.id, this.machine)
    this.host.workload.installed(this.id, this.machine, this.host.now())
    this.host.countSnapshotInstalled()
    this.host.record(`${this.id} installed snapshot ${snapshot.meta.index}/${snapshot.meta.term}`)
  }

  private apply(entry: Entry): void {
    const expected = this.machine.appliedIndex() + 1
    if (entry.index !== expected) {
      throw new SimulationViolation('apply order', `${this.id} was handed entry ${entry.index} to apply, expected ${expected}`)
    }
    this.machine.apply(entry)
    this.host.checker.observeApplied(this.id, entry)
    this.host.workload.applied(this.id, entry, this.host.now())
    if (entry.kind === 'config') {
      this.host.record(`${this.id} applied ${describeConfChange(entry.change)} at ${entry.index}`)
      if (entry.change.type === 'removeNode') this.host.removalApplied(entry.change.node)
    }
  }

  /** Compacts what is applied and durable in the log (the settled state), once enough of it is. */
  private maybeCompact(core: SimulatedCore): void {
    // With unwritten Readys the stored log is behind; the broken driver skips compaction then.
    if (this.unwritten.length > 0) return
    const settled = this.settled
    if (settled.applied - this.storage.snapshotIndex() < this.options.compactEvery) return
    // A snapshot from the leader, received meanwhile, already covers it (and is about to be stored).
    if (settled.applied < core.status().firstIndex) return
    const snapshot = this.machine.rewoundTo(settled).snapshot()
    const kept = core.compact(snapshot)
    checkSameMeta(this.id, snapshot.meta, kept.meta)
    this.storage.compact(kept)
    if (this.knownLog !== this.storage) this.knownLog.compact(kept)
    this.host.countCompaction()
    this.host.record(`${this.id} compacted up to ${settled.applied}`)
  }
}

/** The core's record of a snapshot's index must agree with what the state machine applied. */
function checkSameMeta(node: NodeId, ours: SnapshotMeta, core: SnapshotMeta): void {
  const sameConf = (a: ConfState, b: ConfState): boolean =>
    [...a.voters].sort().join(',') === [...b.voters].sort().join(',') && [...a.learners].sort().join(',') === [...b.learners].sort().join(',')
  if (ours.index !== core.index || ours.term !== core.term || !sameConf(ours.conf, core.conf)) {
    throw new SimulationViolation(
      'snapshot metadata',
      `${node} applied up to ${ours.index}/${ours.term} with voters [${ours.conf.voters.join(',')}] learners [${ours.conf.learners.join(',')}], but the core recorded ${core.index}/${core.term} with voters [${core.conf.voters.join(',')}] learners [${core.conf.learners.join(',')}]`,
    )
  }
}

function cloneStorage(source: SimStorage, id: NodeId, conf: ConfState): SimStorage {
  const copy = new SimStorage(id, conf)
  copy.restoreFrom(source)
  return copy
}
