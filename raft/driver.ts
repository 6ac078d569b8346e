/**
 * The driver: the small loop that connects the pure Raft core to durable storage, the network and
 * the replicated state machine, honouring the persistence contract written on `Ready`.
 *
 * One Ready at a time: send the messages that may leave early (a leader's appends and heartbeats,
 * when the Ready keeps term and vote), persist the Ready in one write, only then send the rest,
 * apply its committed entries, settle the callers waiting on them, and advance. A leader's write
 * thus overlaps its followers' (the core counts the leader toward a quorum only once `advance`
 * says its entries are durable). Committed entries that were durable here before the Ready are
 * applied while its write is in flight, and so are those that acknowledgements arriving during
 * the write commit (`takeCommitted`): a replica's apply overlaps its own write, and a leader
 * answers its callers without waiting for a write that does not hold their entries.
 * Proposals that arrive while a write is in flight are appended to the core meanwhile and all
 * land in the next write: that is the group commit. Snapshots are taken in the background, off
 * the loop. Any storage or state-machine failure stops the replica for good, because carrying on
 * would mean acting on state that may not be durable.
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
   * write may land after the promise resolves, provided every later read of the state (reads,
   * snapshots) observes it: the entries are durable in the log, so losing it only means applying
   * them again after a restart.
   */
  apply(entries: readonly Entry[]): Promise<readonly Result[]>
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
   * Called when one step of processing a Ready (or the background snapshot) has been waited on for
   * `stallTicks` ticks, and again every `stallTicks` ticks while it lasts: a replica that stops
   * applying says where it is stuck.
   */
  readonly onStall?: (step: DriverStep, ticks: number) => void
  /** Default 200 (10 s at 50 ms ticks). */
  readonly stallTicks?: number
}

/** The awaited steps of processing one Ready. */
export type DriverStep = 'persist' | 'restore' | 'apply' | 'snapshot'

const DEFAULT_STALL_TICKS = 200

export interface DriverCounters {
  /** Ready batches processed. */
  readonly readies: number
  /** Synced storage writes (one per Ready that had something to persist). */
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
  /** The step being awaited, and for how many ticks (the stall watchdog). */
  private awaiting: DriverStep | null = null
  private awaitingTicks = 0
  /** The snapshot being taken in the background (at most one at a time), and for how many ticks. */
  private snapshotting: Promise<void> | null = null
  private snapshottingTicks = 0
  /** Applies run one after another, in index order, through this chain (it never rejects). */
  private applyChain: Promise<void> = Promise.resolve()
  /** The first error an apply in the chain met: the applies after it do not run. */
  private applyFailure: Error | null = null
  /** Whether the loop is waiting for a write that holds no snapshot (entries may be applied meanwhile). */
  private writeInFlight = false
  private readonly proposals = new Map<Index, PendingProposal>()
  private readonly reads = new Map<string, PendingRead>()
  private readSeq = 0
  /** Makes read contexts unique across restarts of this replica. */
  private readonly incarnation: string
  private counters = { readies: 0, persists: 0, persistedEntries: 0, snapshots: 0 }
  /** Term and vote as last made durable: messages may leave before a write that keeps them. */
  private durable: HardState
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
    this.durable = restored.hardState
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

  /** Resolves once no Ready is being processed (lets tests and shutdown wait for quiescence). */
  async idle(): Promise<void> {
    while (this.looping) await this.loopDone
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

  /** Stops ticking and processing; waits for the Ready in progress; fails every waiting caller. */
  async stop(): Promise<void> {
    if (this.phase === 'running') {
      this.phase = 'stopped'
      this.tickerHandle.stop()
      this.failAllWaiting(this.stoppedError())
      this.resolveClosed(null)
    }
    await this.loopDone
    await this.applyChain
    await this.snapshotting
  }

  private tick(): void {
    if (this.phase !== 'running') return
    const stallTicks = this.options.stallTicks ?? DEFAULT_STALL_TICKS
    if (this.awaiting !== null && ++this.awaitingTicks % stallTicks === 0) {
      this.options.onStall?.(this.awaiting, this.awaitingTicks)
    }
    if (this.snapshotting !== null && ++this.snapshottingTicks % stallTicks === 0) {
      this.options.onStall?.('snapshot', this.snapshottingTicks)
    }
    this.node.tick()
    this.kick()
  }

  private enterStep(step: DriverStep | null): void {
    this.awaiting = step
    this.awaitingTicks = 0
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

  /** Starts the loop unless it is already running; it drains every Ready there is. */
  private kick(): void {
    if (this.phase !== 'running') return
    if (!this.looping) this.loopDone = this.loop()
    else if (this.writeInFlight) this.applyCommittedMeanwhile()
  }

  /**
   * While the loop waits for a write, applies the entries that acknowledgements committed
   * meanwhile, as far as they are stored here: otherwise they would wait for that write and the
   * next Ready, though the write does not hold them.
   */
  private applyCommittedMeanwhile(): void {
    const committed = this.node.takeCommitted()
    if (committed.length === 0) return
    this.applyCommitted(committed, { acknowledge: true }).catch((error: unknown) => this.fail(asError(error)))
  }

  private async loop(): Promise<void> {
    this.looping = true
    try {
      while (this.phase === 'running' && this.node.hasReady()) await this.process(this.node.ready())
    } catch (error) {
      this.fail(asError(error))
    } finally {
      this.enterStep(null)
      this.looping = false
    }
  }

  private async process(ready: Ready): Promise<void> {
    const { storage, transport, stateMachine } = this.options
    this.counters.readies++
    // A received snapshot replaces the stored log and the state: nothing begun before may land after it.
    if (ready.snapshot !== null) {
      await this.snapshotting
      await this.applyChain
      if (this.phase !== 'running') return
    }
    const { early, late } = splitByDurability(ready, this.durable)
    if (early.length > 0) transport.send(early)
    // Entries committed before the first one this Ready writes are durable here already: applying
    // them while the write is in flight is safe (even a crash then leaves the state machine behind
    // the log, never ahead of it). Any other committed entry waits for the write.
    const applyDuringWrite = ready.snapshot === null && ready.committed.length > 0 && appliesBefore(ready.committed, ready.entries)
    const writes = ready.snapshot !== null || ready.entries.length > 0 || ready.hardState !== null
    // The write goes to the storage's threads first; the apply then runs here meanwhile.
    const writing = writes ? storage.persist({ snapshot: ready.snapshot, entries: ready.entries, hardState: ready.hardState }) : null
    const applying = applyDuringWrite ? this.applyCommitted(ready.committed) : null
    // Both are awaited below, one after the other: neither failure may go unhandled meanwhile.
    writing?.catch(() => undefined)
    applying?.catch(() => undefined)
    if (writing !== null) {
      this.enterStep('persist')
      this.writeInFlight = ready.snapshot === null
      try {
        await writing
      } catch (error) {
        // The replica stops: let the applies finish first, so nothing writes after it has stopped.
        await this.applyChain
        throw error
      } finally {
        this.writeInFlight = false
      }
      if (ready.hardState !== null) this.durable = ready.hardState
      this.counters.persists++
      this.counters.persistedEntries += ready.entries.length
    }
    if (this.phase !== 'running') return
    // Only now are the votes and acknowledgements in these messages backed by durable state.
    if (late.length > 0) transport.send(late)
    if (ready.snapshot !== null) {
      this.enterStep('restore')
      await stateMachine.restore(ready.snapshot)
      this.applied = ready.snapshot.meta.index
      this.snapshotIndex = ready.snapshot.meta.index
      this.failProposalsThrough(ready.snapshot.meta.index)
    }
    if (ready.committed.length > 0) {
      this.enterStep('apply')
      await (applying ?? this.applyCommitted(ready.committed))
    }
    if (this.phase !== 'running') return
    this.node.advance(ready)
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
    if (this.snapshotting === null && this.applied - this.snapshotIndex >= this.options.snapshotEvery) this.scheduleSnapshot()
  }

  /**
   * Applies committed entries after those handed out before, and settles their callers. Entries
   * taken outside a Ready are acknowledged to the core here (`acknowledge`); a Ready's are
   * acknowledged with it by `advance`.
   */
  private applyCommitted(committed: readonly Entry[], { acknowledge = false } = {}): Promise<void> {
    const applied = this.applyChain.then(async () => {
      if (this.applyFailure !== null) throw this.applyFailure
      if (this.phase !== 'running') return
      const results = await this.options.stateMachine.apply(committed)
      if (results.length !== committed.length) {
        throw new Error(`state machine returned ${results.length} results for ${committed.length} entries`)
      }
      committed.forEach((entry, i) => this.settleProposal(entry, results[i]))
      this.applied = committed[committed.length - 1]?.index ?? this.applied
      if (!acknowledge || this.phase !== 'running') return
      this.node.advanceApplied(committed)
      this.serveReads()
    })
    this.applyChain = applied.then(
      () => undefined,
      (error: unknown) => {
        this.applyFailure ??= asError(error)
      },
    )
    return applied
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
      if (soft.role === 'leader' && pending.term === soft.term) continue
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
   * large state took about a second, during which a loop that waited for it answered nobody. The
   * snapshot is asked for in the apply chain, between two applies, so it reflects exactly the
   * entries applied then, even while applies are under way when it becomes due.
   */
  private scheduleSnapshot(): void {
    this.snapshottingTicks = 0
    const asked = this.applyChain.then(() =>
      this.applyFailure !== null || this.phase !== 'running' ? null : { applied: this.applied, producing: this.options.stateMachine.snapshot() },
    )
    this.applyChain = asked.then(() => undefined)
    this.snapshotting = asked
      .then((taken) => (taken === null ? undefined : this.compactWith(taken.applied, taken.producing)))
      .then(
        () => {
          this.snapshotting = null
        },
        (error: unknown) => {
          this.snapshotting = null
          this.fail(asError(error))
        },
      )
  }

  private async compactWith(applied: Index, producing: ReturnType<ReplicatedStateMachine<Result>['snapshot']>): Promise<void> {
    const produced = await producing
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
 * Which of a Ready's messages may leave before its write (`early`) and which must wait (`late`).
 * A leader's appends and heartbeats promise nothing about the sender's durable state, except its
 * term: they may go early when the Ready keeps term and vote, i.e. the term they carry is already
 * durable (else a crash could let the same term be led twice with different entries). Everything
 * else (acknowledgements, votes, snapshot answers) waits for the write it vouches for.
 */
export function splitByDurability(ready: Ready, durable: HardState): { early: Message[]; late: Message[] } {
  const keepsTermAndVote = ready.hardState === null || (ready.hardState.term === durable.term && ready.hardState.vote === durable.vote)
  if (!keepsTermAndVote || ready.snapshot !== null) return { early: [], late: [...ready.messages] }
  const early: Message[] = []
  const late: Message[] = []
  for (const message of ready.messages) (message.type === 'append' || message.type === 'heartbeat' ? early : late).push(message)
  return { early, late }
}

/** Whether every committed entry comes before the first entry being written (none is rewritten). */
function appliesBefore(committed: readonly Entry[], written: readonly Entry[]): boolean {
  const firstWritten = written[0]
  const lastCommitted = committed[committed.length - 1]
  return firstWritten === undefined || (lastCommitted !== undefined && lastCommitted.index < firstWritten.index)
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
