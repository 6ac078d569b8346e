/**
 * The driver: the small loop that connects the pure Raft core to durable storage, the network and
 * the replicated state machine, honouring the persistence contract written on `Ready`.
 *
 * The loop hands each Ready on and takes the next without waiting for storage: its write goes to
 * a write chain (one synced write at a time; the Readys that come while one is in flight join the
 * next, which is the group commit) and its committed entries to an apply chain. Messages that
 * promise nothing about this replica's storage (a leader's appends and heartbeats, when the term
 * and vote are durable) leave at once; acknowledgements and votes leave once every write handed
 * out before them has landed, and only then does the core count the entries as stored here (a
 * leader counts itself toward a quorum from then on). A committed entry is applied as soon as it
 * is handed out, even before this replica's own write of it lands: a quorum holds it. The state
 * machine's write of its effects waits for that log write, so a crash never leaves the state
 * machine ahead of the log. Snapshots are taken in the background; a snapshot received from the
 * leader waits for everything under way. Any storage or state-machine failure stops the replica
 * for good, because carrying on would mean acting on state that may not be durable.
 */
import { RaftNode } from './raft-node.js'
import type { RaftStatus } from './status.js'
import type {
  ConfChange,
  Entry,
  HardState,
  Index,
  Message,
  NodeId,
  ProposeResult,
  RaftConfig,
  Ready,
  RestoredState,
  SoftState,
  Snapshot,
  Term,
} from './types.js'

/** What one Ready asks to make durable; persisted in ONE synced write, in this order. */
export interface PersistBatch {
  readonly snapshot: Snapshot | null
  readonly entries: readonly Entry[]
  readonly hardState: HardState | null
}

/** The replica's durable Raft state. A rejected promise is fatal for the replica. */
export interface RaftStorage {
  /**
   * One synced write: the snapshot (it replaces the whole stored log: the core hands one out only
   * after discarding its log for it), then the entries (replacing stored entries at or after
   * `entries[0].index`), then the hard state.
   */
  persist(batch: PersistBatch): Promise<void>
  /**
   * Record a snapshot the local state machine produced and drop the entries it covers. Runs while
   * later `persist` calls are in flight (it only touches entries at or below the applied index,
   * which those never rewrite), but never alongside a `persist` that carries a snapshot.
   */
  compact(snapshot: Snapshot): Promise<void>
}

/** Delivery to peers is best effort: Raft retries whatever is lost. */
export interface RaftTransport {
  send(messages: readonly Message[]): void
}

export interface ReplicatedStateMachine<Result> {
  /**
   * Applies committed entries in order (every kind: noops and config entries only move the applied
   * index) and returns one result per entry. Must record the last entry's index and term in the
   * same durable write as the entries' effects, so no entry is ever applied twice or half. That
   * write must not land before `stored` resolves (the log's write of these entries; if it
   * rejects, it must not land at all), and may land after this promise resolves, provided every
   * later read of the state (reads, snapshots) observes it: losing it in a crash only means
   * applying the entries again after a restart.
   */
  apply(entries: readonly Entry[], stored: Promise<void>): Promise<readonly Result[]>
  /**
   * The whole state as of the call: every entry applied before it and none applied after (the
   * driver goes on applying while the snapshot is read); the result names that index.
   */
  snapshot(): Promise<{ readonly data: Uint8Array; readonly index: Index; readonly term: Term }>
  /** Replaces the whole state (and the applied index) with the snapshot's, atomically. */
  restore(snapshot: Snapshot): Promise<void>
}

/** Calls `onTick` periodically until stopped; tests inject one they advance by hand. */
export interface Ticker {
  start(onTick: () => void): { stop(): void }
}

export function intervalTicker(intervalMs: number): Ticker {
  return {
    start(onTick) {
      const timer = setInterval(onTick, intervalMs)
      return { stop: () => clearInterval(timer) }
    },
  }
}

export type RaftRequestFailure =
  /** This replica is not the leader; `leader` is the one it knows of, if any. */
  | 'notLeader'
  /** A leadership transfer is under way; retry at `leader` shortly. */
  | 'transferring'
  /** The proposal's index was taken by another leader's entry: it was not and will not be applied. */
  | 'superseded'
  /** Leadership was lost while waiting: the entry may or may not be applied; retry idempotently. */
  | 'leadershipLost'
  /** The read could not be confirmed by a leader; retry. */
  | 'readFailed'
  | 'confChangePending'
  | 'invalidConfChange'
  /** The driver was stopped, or stopped itself after a fatal error. */
  | 'stopped'

const RETRYABLE: ReadonlySet<RaftRequestFailure> = new Set([
  'notLeader',
  'transferring',
  'superseded',
  'leadershipLost',
  'readFailed',
  'confChangePending',
])

export class RaftRequestError extends Error {
  readonly retryable: boolean
  constructor(
    readonly reason: RaftRequestFailure,
    readonly leader: NodeId | null,
    message: string,
  ) {
    super(message)
    this.name = 'RaftRequestError'
    this.retryable = RETRYABLE.has(reason)
  }
}

export interface RaftDriverOptions<Result> {
  readonly config: RaftConfig
  /** From the stores; see RaftLogStore.load. `applied` may lag the snapshot after a crash. */
  readonly restored: RestoredState
  readonly storage: RaftStorage
  readonly transport: RaftTransport
  readonly stateMachine: ReplicatedStateMachine<Result>
  readonly ticker: Ticker
  /** Take a state-machine snapshot and compact the log every this many applied entries (in the background). */
  readonly snapshotEvery: number
  /** Called once if the replica stops itself because storage or the state machine failed. */
  readonly onFatal?: (error: Error) => void
  /** Called when this replica's role, known leader or term changes (for logs and metrics). */
  readonly onSoftState?: (soft: SoftState) => void
  /**
   * Called when one step (a write, an apply, a snapshot being installed or taken) has lasted for
   * `stallTicks` ticks, and again every `stallTicks` ticks while it lasts: a replica that stops
   * applying says where it is stuck.
   */
  readonly onStall?: (step: DriverStep, ticks: number) => void
  /** Default 200 (10 s at 50 ms ticks). */
  readonly stallTicks?: number
}

/** The steps the stall watchdog watches: a write, an apply, installing or taking a snapshot. */
export type DriverStep = 'persist' | 'restore' | 'apply' | 'snapshot'

const DEFAULT_STALL_TICKS = 200

export interface DriverCounters {
  /** Ready batches processed. */
  readonly readies: number
  /** Synced storage writes (each covers the Readys that came while the one before was in flight). */
  readonly persists: number
  readonly persistedEntries: number
  readonly snapshots: number
}

/** A caller waiting for an outcome. */
interface Waiter<T> {
  readonly settle: (value: T) => void
  readonly fail: (error: Error) => void
}

interface PendingProposal extends Waiter<unknown> {
  readonly term: Term
}

/** Readys merged into one write: what to store, then what to send and acknowledge once stored. */
interface PendingWrite {
  entries: Entry[]
  hardState: HardState | null
  /** Messages that vouch for this write (acknowledgements, votes), in Ready order. */
  readonly late: Message[]
}

/** Committed entries merged into one apply, and the write chain as of the last one's Ready. */
interface PendingApply {
  readonly entries: Entry[]
  stored: Promise<void>
}

interface PendingRead extends Waiter<void> {
  /** Index to wait for, once the core has confirmed the read. */
  index: Index | null
}

export interface RequestOptions {
  /** Stops waiting (the caller's timeout); a proposal may still be applied. */
  readonly signal?: AbortSignal
}

type Phase = 'running' | 'stopped' | 'failed'

export class RaftDriver<Result> {
  private readonly node: RaftNode
  private readonly options: RaftDriverOptions<Result>
  private readonly tickerHandle: { stop(): void }
  private phase: Phase = 'running'
  private looping = false
  private loopDone: Promise<void> = Promise.resolve()
  private applied: Index
  private snapshotIndex: Index
  private soft: SoftState
  /** The steps under way, each with how many ticks it has lasted (the stall watchdog). */
  private readonly underWay = new Map<DriverStep, number>()
  /** The snapshot being taken in the background (at most one at a time). */
  private snapshotting: Promise<void> | null = null
  /**
   * Writes run one after another, in Ready order, through this chain (it never rejects); it
   * settles once every write handed to it has landed.
   */
  private writeChain: Promise<void> = Promise.resolve()
  /** The write waiting for the one in flight: Readys that come meanwhile join it (group commit). */
  private nextWrite: PendingWrite | null = null
  /** Writes handed to the chain that have not landed (or failed). */
  private writesUnderWay = 0
  /** Settles once the last write handed out has landed; rejects if it or one before it did not. */
  private lastWrite: Promise<void> = Promise.resolve()
  /** Applies run one after another, in index order, through this chain (it never rejects). */
  private applyChain: Promise<void> = Promise.resolve()
  /** The apply waiting for the one under way: entries committed meanwhile join it. */
  private nextApply: PendingApply | null = null
  /** The last entry handed to the apply chain: its callers and those before are answered by their apply. */
  private applyingThrough: Index
  /** The first error an apply in the chain met: the applies after it do not run. */
  private applyFailure: Error | null = null
  private readonly proposals = new Map<Index, PendingProposal>()
  private readonly reads = new Map<string, PendingRead>()
  private readSeq = 0
  /** Makes read contexts unique across restarts of this replica. */
  private readonly incarnation: string
  private counters = { readies: 0, persists: 0, persistedEntries: 0, snapshots: 0 }
  /** Term and vote as last made durable: messages may leave before a write that keeps them. */
  private durable: HardState
  /** The hard state last handed out (durable or still being written). */
  private handedOut: HardState
  private resolveClosed!: (error: Error | null) => void
  /** Settles when the driver stops: with null after stop(), with the error after a fatal failure. */
  readonly closed: Promise<Error | null> = new Promise((resolve) => (this.resolveClosed = resolve))

  private constructor(options: RaftDriverOptions<Result>, restored: RestoredState) {
    if (!Number.isSafeInteger(options.snapshotEvery) || options.snapshotEvery < 1) {
      throw new Error(`RaftDriverOptions.snapshotEvery must be a positive integer, got ${options.snapshotEvery}`)
    }
    if (options.stallTicks !== undefined && !(Number.isSafeInteger(options.stallTicks) && options.stallTicks >= 1)) {
      throw new Error(`RaftDriverOptions.stallTicks must be a positive integer, got ${options.stallTicks}`)
    }
    this.options = options
    this.incarnation = Math.floor(options.config.random() * 2 ** 32).toString(36)
    this.node = new RaftNode(options.config, restored)
    this.applied = restored.applied
    this.applyingThrough = restored.applied
    this.durable = restored.hardState
    this.handedOut = restored.hardState
    this.snapshotIndex = restored.snapshot?.meta.index ?? 0
    const status = this.node.status()
    this.soft = { role: status.role, leader: status.leader, term: status.term }
    this.tickerHandle = options.ticker.start(() => this.tick())
    this.kick()
  }

  /**
   * Starts a replica from its stored state. A crash between storing a received snapshot and
   * installing it leaves the state machine behind the snapshot: it is installed first.
   */
  static async start<Result>(options: RaftDriverOptions<Result>): Promise<RaftDriver<Result>> {
    let restored = options.restored
    if (restored.snapshot !== null && restored.applied < restored.snapshot.meta.index) {
      await options.stateMachine.restore(restored.snapshot)
      restored = { ...restored, applied: restored.snapshot.meta.index }
    }
    return new RaftDriver(options, restored)
  }

  get id(): NodeId {
    return this.node.id
  }

  status(): RaftStatus {
    return this.node.status()
  }

  stats(): DriverCounters {
    return { ...this.counters }
  }

  /** Resolves once no Ready is being processed and no write or apply is under way (lets tests wait for quiescence). */
  async idle(): Promise<void> {
    for (;;) {
      if (this.looping) await this.loopDone
      else if (this.writesUnderWay > 0) await this.writeChain
      else {
        const applies = this.applyChain
        await applies
        if (applies === this.applyChain && !this.looping && this.writesUnderWay === 0) return
      }
    }
  }

  /** A message from a peer (already validated by the transport). */
  step(message: Message): void {
    if (this.phase !== 'running') return
    this.node.step(message)
    this.kick()
  }

  /** Resolves with the state machine's result once the entry is applied here. */
  propose(data: Uint8Array, options: RequestOptions = {}): Promise<Result> {
    return this.submit(() => this.node.propose(data), options) as Promise<Result>
  }

  /** Resolves once the membership change is applied here. */
  async proposeConfChange(change: ConfChange, options: RequestOptions = {}): Promise<void> {
    await this.submit(() => this.node.proposeConfChange(change), options)
  }

  /** Resolves once this replica's state machine may serve a linearizable read. */
  read(options: RequestOptions = {}): Promise<void> {
    if (this.phase !== 'running') return Promise.reject(this.stoppedError())
    if (options.signal?.aborted === true) return Promise.reject(abortReason(options.signal))
    const context = `${this.node.id}/${this.incarnation}/${++this.readSeq}`
    const result = this.node.readIndex(context)
    if (!result.ok) {
      const message = `${this.node.id} cannot serve a linearizable read: it knows no leader to confirm it`
      return Promise.reject(new RaftRequestError('notLeader', result.leader, message))
    }
    const promise = this.wait<void>(
      options.signal,
      (waiter) => this.reads.set(context, { ...waiter, index: null }),
      () => this.reads.delete(context),
    )
    this.kick()
    return promise
  }

  transferLeadership(to: NodeId): { ok: true } | { ok: false; reason: string } {
    if (this.phase !== 'running') return { ok: false, reason: `replica ${this.node.id} is stopped` }
    const result = this.node.transferLeadership(to)
    this.kick()
    return result
  }

  /** Stops ticking and processing; waits for the writes and applies under way; fails every waiting caller. */
  async stop(): Promise<void> {
    if (this.phase === 'running') {
      this.phase = 'stopped'
      this.tickerHandle.stop()
      this.failAllWaiting(this.stoppedError())
      this.resolveClosed(null)
    }
    await this.loopDone
    await this.writeChain
    await this.applyChain
    await this.snapshotting
  }

  private tick(): void {
    if (this.phase !== 'running') return
    const stallTicks = this.options.stallTicks ?? DEFAULT_STALL_TICKS
    for (const [step, ticks] of this.underWay) {
      this.underWay.set(step, ticks + 1)
      if ((ticks + 1) % stallTicks === 0) this.options.onStall?.(step, ticks + 1)
    }
    this.node.tick()
    this.kick()
  }

  /** Runs `step` with the stall watchdog watching it. */
  private async watched<T>(step: DriverStep, run: () => Promise<T>): Promise<T> {
    this.underWay.set(step, 0)
    try {
      return await run()
    } finally {
      this.underWay.delete(step)
    }
  }

  private submit(propose: () => ProposeResult, options: RequestOptions): Promise<unknown> {
    if (this.phase !== 'running') return Promise.reject(this.stoppedError())
    if (options.signal?.aborted === true) return Promise.reject(abortReason(options.signal))
    const result = propose()
    if (!result.ok) return Promise.reject(refusal(this.node.id, result))
    const promise = this.wait<unknown>(
      options.signal,
      (waiter) => this.proposals.set(result.index, { ...waiter, term: result.term }),
      () => this.proposals.delete(result.index),
    )
    this.kick()
    return promise
  }

  /**
   * A promise for a waiting caller: `register` files its waiter; an abort of `signal` unfiles it
   * with `unregister` and rejects with the signal's reason.
   */
  private wait<T>(signal: AbortSignal | undefined, register: (waiter: Waiter<T>) => void, unregister: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const abort = (): void => {
        unregister()
        reject(abortReason(signal))
      }
      signal?.addEventListener('abort', abort, { once: true })
      const detach = (): void => signal?.removeEventListener('abort', abort)
      register({
        settle: (value) => (detach(), resolve(value)),
        fail: (error) => (detach(), reject(error)),
      })
    })
  }

  /**
   * Starts the loop unless it is running. It first lets the rest of this turn of the event loop
   * happen, so the proposals and messages that arrive together make one Ready.
   */
  private kick(): void {
    if (this.phase !== 'running' || this.looping) return
    this.looping = true
    this.loopDone = this.loop()
  }

  private async loop(): Promise<void> {
    try {
      await new Promise<void>((resolve) => setImmediate(resolve))
      while (this.phase === 'running' && this.node.hasReady()) {
        const ready = this.node.ready()
        if (ready.snapshot === null) this.process(ready)
        else await this.installReceived(ready)
      }
    } catch (error) {
      this.fail(asError(error))
    } finally {
      this.looping = false
    }
  }

  /**
   * Hands a Ready's write to the write chain and its committed entries to the apply chain, and
   * returns: the next Ready need not wait for either. Messages that promise nothing about this
   * replica's storage leave now; the others once every write handed out so far has landed.
   */
  private process(ready: Ready): void {
    this.counters.readies++
    if (ready.hardState !== null) this.handedOut = ready.hardState
    const { early, late } = splitByDurability(ready, this.durable, this.handedOut)
    if (early.length > 0) this.options.transport.send(early)
    if (ready.entries.length > 0 || ready.hardState !== null || this.writesUnderWay > 0) this.enqueueWrite(ready.entries, ready.hardState, late)
    else if (late.length > 0) this.options.transport.send(late)
    // Before the role change it may carry: callers of entries it commits are answered by their apply.
    if (ready.committed.length > 0) this.enqueueApply(ready.committed)
    this.noteReadyState(ready)
  }

  /** The parts of a Ready that need no storage: role changes and confirmed reads. */
  private noteReadyState(ready: Ready): void {
    if (ready.softState !== null) this.noteSoftState(ready.softState)
    for (const state of ready.readStates) {
      const read = this.reads.get(state.context)
      if (read !== undefined) read.index = state.index
    }
    for (const context of ready.readFailures) {
      const read = this.reads.get(context)
      this.reads.delete(context)
      read?.fail(new RaftRequestError('readFailed', this.soft.leader, `read ${context} lost its leader; retry`))
    }
    this.serveReads()
  }

  /**
   * Writes are stored one at a time, in order. While one is in flight, every Ready that comes
   * joins the next: one synced write then covers them all (the group commit), and a leader's
   * appends to its followers do not wait for its own write.
   */
  private enqueueWrite(entries: readonly Entry[], hardState: HardState | null, late: readonly Message[]): void {
    const next = this.nextWrite
    if (next !== null) {
      next.entries = joinEntries(next.entries, entries)
      if (hardState !== null) next.hardState = hardState
      next.late.push(...late)
      return
    }
    const write: PendingWrite = { entries: [...entries], hardState, late: [...late] }
    this.nextWrite = write
    this.writesUnderWay++
    const landed = this.writeChain.then(() => this.runWrite(write))
    // Rejects when this write or one before it did not land: state machine writes behind it must not either.
    this.lastWrite = landed
    this.writeChain = landed.catch((error: unknown) => this.fail(asError(error)))
  }

  private async runWrite(write: PendingWrite): Promise<void> {
    if (this.nextWrite === write) this.nextWrite = null
    try {
      if (this.phase !== 'running') throw this.stoppedError()
      if (write.entries.length > 0 || write.hardState !== null) {
        await this.persist({ snapshot: null, entries: write.entries, hardState: write.hardState })
      }
    } finally {
      this.writesUnderWay--
    }
    if (this.phase !== 'running') throw this.stoppedError()
    if (write.hardState !== null) this.durable = write.hardState
    // Only now are the votes and acknowledgements of these Readys backed by durable state.
    if (write.late.length > 0) this.options.transport.send(write.late)
    if (write.entries.length > 0) {
      this.node.advanceStored(null, write.entries)
      this.kick()
    }
  }

  private async persist(batch: PersistBatch): Promise<void> {
    await this.watched('persist', () => this.options.storage.persist(batch))
    this.counters.persists++
    this.counters.persistedEntries += batch.entries.length
  }

  /**
   * Applies committed entries after those handed out before, one batch at a time; entries
   * committed while a batch is being applied join the next. An entry may be applied before this
   * replica's own write of it lands (a quorum holds it: it is committed), but the state machine's
   * write of its effects lands only after that write (`stored`), so a crash never leaves the
   * state machine ahead of the log.
   */
  private enqueueApply(committed: readonly Entry[]): void {
    this.applyingThrough = committed[committed.length - 1]?.index ?? this.applyingThrough
    const next = this.nextApply
    if (next !== null) {
      next.entries.push(...committed)
      next.stored = this.lastWrite
      return
    }
    const apply: PendingApply = { entries: [...committed], stored: this.lastWrite }
    this.nextApply = apply
    this.applyChain = this.applyChain
      .then(() => this.runApply(apply))
      .catch((error: unknown) => {
        this.applyFailure ??= asError(error)
        this.fail(this.applyFailure)
      })
  }

  private async runApply(apply: PendingApply): Promise<void> {
    if (this.nextApply === apply) this.nextApply = null
    if (this.applyFailure !== null) throw this.applyFailure
    if (this.phase !== 'running') return
    const { entries } = apply
    const results = await this.watched('apply', () => this.options.stateMachine.apply(entries, apply.stored))
    if (results.length !== entries.length) {
      throw new Error(`state machine returned ${results.length} results for ${entries.length} entries`)
    }
    entries.forEach((entry, i) => this.settleProposal(entry, results[i]))
    this.applied = entries[entries.length - 1]?.index ?? this.applied
    if (this.phase !== 'running') return
    this.node.advanceApplied(entries)
    this.serveReads()
    if (this.snapshotting === null && this.applied - this.snapshotIndex >= this.options.snapshotEvery) this.startSnapshot()
    this.kick()
  }

  /**
   * A snapshot from the leader replaces the stored log and the state: every write and apply
   * handed out before lands first, and nothing after it starts until it is installed.
   */
  private async installReceived(ready: Ready): Promise<void> {
    await this.writeChain
    await this.applyChain
    await this.snapshotting
    const snapshot = ready.snapshot
    if (this.phase !== 'running' || snapshot === null) return
    this.counters.readies++
    if (ready.hardState !== null) this.handedOut = ready.hardState
    await this.persist({ snapshot, entries: ready.entries, hardState: ready.hardState })
    if (ready.hardState !== null) this.durable = ready.hardState
    if (this.phase !== 'running') return
    if (ready.messages.length > 0) this.options.transport.send(ready.messages)
    await this.watched('restore', () => this.options.stateMachine.restore(snapshot))
    this.applied = snapshot.meta.index
    this.applyingThrough = snapshot.meta.index
    this.snapshotIndex = snapshot.meta.index
    this.failProposalsThrough(snapshot.meta.index)
    if (this.phase !== 'running') return
    this.node.advanceStored(snapshot, ready.entries)
    if (ready.committed.length > 0) this.enqueueApply(ready.committed)
    this.noteReadyState(ready)
  }

  private settleProposal(entry: Entry, result: unknown): void {
    const pending = this.proposals.get(entry.index)
    if (pending === undefined) return
    this.proposals.delete(entry.index)
    if (entry.term === pending.term) pending.settle(result)
    else pending.fail(this.supersededError(entry.index))
  }

  private failProposalsThrough(index: Index): void {
    for (const [at, pending] of this.proposals) {
      if (at > index) continue
      this.proposals.delete(at)
      pending.fail(this.supersededError(at))
    }
  }

  /** A leader that lost its role or moved to a new term no longer vouches for its proposals. */
  private noteSoftState(soft: SoftState): void {
    this.soft = soft
    this.options.onSoftState?.(soft)
    for (const [index, pending] of this.proposals) {
      // Committed and being applied: its apply answers it, with its result (or as superseded).
      if (index <= this.applyingThrough || (soft.role === 'leader' && pending.term === soft.term)) continue
      this.proposals.delete(index)
      pending.fail(
        new RaftRequestError(
          'leadershipLost',
          soft.leader,
          `${this.node.id} lost leadership of term ${pending.term} before entry ${index} was applied; it may still be applied`,
        ),
      )
    }
  }

  private serveReads(): void {
    for (const [context, read] of this.reads) {
      if (read.index === null || read.index > this.applied) continue
      this.reads.delete(context)
      read.settle()
    }
  }

  /**
   * Snapshots the state machine and compacts the log in the background: reading and storing a
   * large state took about a second, during which a loop that waited for it answered nobody. It
   * is asked for between two applies (the apply chain calls this), so it reflects exactly the
   * entries applied then; the log is compacted once the writes holding those entries have landed.
   */
  private startSnapshot(): void {
    const applied = this.applied
    const producing = this.options.stateMachine.snapshot()
    const written = this.lastWrite
    this.snapshotting = this.watched('snapshot', () => this.compactWith(applied, producing, written)).then(
      () => {
        this.snapshotting = null
      },
      (error: unknown) => {
        this.snapshotting = null
        this.fail(asError(error))
      },
    )
  }

  private async compactWith(applied: Index, producing: ReturnType<ReplicatedStateMachine<Result>['snapshot']>, written: Promise<void>): Promise<void> {
    const produced = await producing
    await written
    if (this.phase !== 'running') return
    if (produced.index !== applied) {
      throw new Error(`state machine snapshot is at index ${produced.index}, but ${applied} was applied when it was taken`)
    }
    // A snapshot from the leader, received meanwhile, already covers it (and is being stored).
    if (produced.index < this.node.status().firstIndex) return
    // The core fills in the term and membership it knows for that index; persist what it kept.
    const draft: Snapshot = {
      meta: { index: produced.index, term: produced.term, conf: this.node.status().conf },
      data: produced.data,
    }
    const kept = this.node.compact(draft)
    await this.options.storage.compact(kept)
    this.snapshotIndex = Math.max(this.snapshotIndex, kept.meta.index)
    this.counters.snapshots++
  }

  private fail(error: Error): void {
    if (this.phase !== 'running') return
    this.phase = 'failed'
    this.tickerHandle.stop()
    this.failAllWaiting(new RaftRequestError('stopped', null, `replica ${this.node.id} stopped: ${error.message}`))
    this.resolveClosed(error)
    this.options.onFatal?.(error)
  }

  private failAllWaiting(error: Error): void {
    const proposals = [...this.proposals.values()]
    const reads = [...this.reads.values()]
    this.proposals.clear()
    this.reads.clear()
    for (const pending of proposals) pending.fail(error)
    for (const read of reads) read.fail(error)
  }

  private stoppedError(): RaftRequestError {
    return new RaftRequestError('stopped', null, `replica ${this.node.id} is stopped`)
  }

  private supersededError(index: Index): RaftRequestError {
    return new RaftRequestError(
      'superseded',
      this.soft.leader,
      `entry ${index} was replaced by another leader's entry; the proposal was not applied`,
    )
  }
}

/**
 * Which of a Ready's messages may leave before the writes handed out so far land (`early`) and
 * which must wait (`late`). A leader's appends and heartbeats promise nothing about the sender's
 * durable state, except its term: they may go early when the term and vote handed out (this
 * Ready's or an earlier one's, perhaps still being written) are the durable ones (else a crash
 * could let the same term be led twice with different entries). Everything else
 * (acknowledgements, votes, snapshot answers) waits for the writes it vouches for.
 */
export function splitByDurability(ready: Ready, durable: HardState, handedOut: HardState): { early: Message[]; late: Message[] } {
  const keepsTermAndVote = handedOut.term === durable.term && handedOut.vote === durable.vote
  if (!keepsTermAndVote || ready.snapshot !== null) return { early: [], late: [...ready.messages] }
  const early: Message[] = []
  const late: Message[] = []
  for (const message of ready.messages) (message.type === 'append' || message.type === 'heartbeat' ? early : late).push(message)
  return { early, late }
}

/** `written` followed by `next`, which replaces every entry from its first index on (a new leader's suffix). */
export function joinEntries(written: Entry[], next: readonly Entry[]): Entry[] {
  const first = next[0]
  if (first === undefined) return written
  const kept = (written[written.length - 1]?.index ?? 0) >= first.index ? written.filter((e) => e.index < first.index) : written
  kept.push(...next)
  return kept
}

function asError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value))
}

function refusal(id: NodeId, result: Exclude<ProposeResult, { ok: true }>): RaftRequestError {
  switch (result.reason) {
    case 'notLeader':
      return new RaftRequestError('notLeader', result.leader, `${id} is not the leader`)
    case 'transferring':
      return new RaftRequestError('transferring', result.leader, `${id} is handing leadership to ${result.leader}`)
    case 'confChangePending':
    case 'invalidConfChange':
      return new RaftRequestError(result.reason, id, result.detail)
  }
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason
  return reason instanceof Error ? reason : new Error('request aborted')
}
