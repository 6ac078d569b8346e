/**
 * The data the Raft core exchanges with its driver. The core is a pure state machine: it does no
 * I/O, reads no clock and draws no randomness it was not given. Everything it wants done comes out
 * as a `Ready` batch, and the driver must honour the persistence contract written on `Ready`.
 */

export type NodeId = string
export type Term = number
export type Index = number

/** Which replicas vote and which only receive the log. Learners never count toward a quorum. */
export interface ConfState {
  readonly voters: readonly NodeId[]
  readonly learners: readonly NodeId[]
}

/** One membership step. Changes are applied one server at a time (see docs/DESIGN.md). */
export type ConfChange =
  | { readonly type: 'addVoter'; readonly node: NodeId; readonly context?: Uint8Array }
  | { readonly type: 'addLearner'; readonly node: NodeId; readonly context?: Uint8Array }
  | { readonly type: 'promoteLearner'; readonly node: NodeId }
  | { readonly type: 'removeNode'; readonly node: NodeId }

/** A log entry. A leader appends a `noop` when its term starts so it can commit older entries. */
export type Entry =
  | { readonly kind: 'command'; readonly term: Term; readonly index: Index; readonly data: Uint8Array }
  | { readonly kind: 'noop'; readonly term: Term; readonly index: Index }
  | { readonly kind: 'config'; readonly term: Term; readonly index: Index; readonly change: ConfChange }

/**
 * Must be durable before any message produced in the same `Ready` leaves the node (but see the
 * exception for a leader's appends on `Ready`). A change of `commit` alone need not be synced.
 */
export interface HardState {
  readonly term: Term
  readonly vote: NodeId | null
  readonly commit: Index
}

export interface SnapshotMeta {
  /** Last log index the snapshot covers, and that entry's term. */
  readonly index: Index
  readonly term: Term
  /** Membership as of `index`. */
  readonly conf: ConfState
}

export interface Snapshot {
  readonly meta: SnapshotMeta
  /** The state machine's serialized state; opaque to the core. */
  readonly data: Uint8Array
}

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader'

/** Volatile state the driver may want to observe (e.g. to redirect clients). Never persisted. */
export interface SoftState {
  readonly role: Role
  readonly leader: NodeId | null
  readonly term: Term
}

/**
 * A linearizable read is safe to serve once the state machine has applied `index`.
 * `context` is the caller's opaque handle from `readIndex()`.
 */
export interface ReadState {
  readonly context: string
  readonly index: Index
}

// ---------------------------------------------------------------------------------------------
// Messages between replicas. Every message names its sender, receiver and the sender's term.
// ---------------------------------------------------------------------------------------------

interface Envelope {
  readonly from: NodeId
  readonly to: NodeId
  readonly term: Term
}

export interface PreVoteRequest extends Envelope {
  readonly type: 'preVote'
  /** `term` is the term the sender would campaign in; its own term is not incremented yet. */
  readonly lastLogIndex: Index
  readonly lastLogTerm: Term
}

export interface PreVoteResponse extends Envelope {
  readonly type: 'preVoteResponse'
  readonly granted: boolean
}

export interface VoteRequest extends Envelope {
  readonly type: 'vote'
  readonly lastLogIndex: Index
  readonly lastLogTerm: Term
  /** Set by a leadership transfer: the receiver must not refuse because of a live leader's lease. */
  readonly transfer: boolean
}

export interface VoteResponse extends Envelope {
  readonly type: 'voteResponse'
  readonly granted: boolean
}

export interface AppendRequest extends Envelope {
  readonly type: 'append'
  readonly prevLogIndex: Index
  readonly prevLogTerm: Term
  readonly entries: readonly Entry[]
  readonly commit: Index
}

export interface AppendResponse extends Envelope {
  readonly type: 'appendResponse'
  /** On success: the last index now known to match the leader. On reject: the probed index. */
  readonly index: Index
  readonly reject: boolean
  /**
   * On reject, where the leader should probe next: the follower's best guess at the last index
   * whose term is <= the leader's prevLogTerm, with that entry's term, so conflicting suffixes are
   * skipped a term at a time rather than one index per round trip.
   */
  readonly hintIndex: Index
  readonly hintTerm: Term
}

export interface HeartbeatRequest extends Envelope {
  readonly type: 'heartbeat'
  /** min(follower's match, leader's commit): never asks a follower to commit entries it lacks. */
  readonly commit: Index
  /** ReadIndex round this heartbeat confirms leadership for, if any. */
  readonly readContext: string | null
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'heartbeatResponse'
  readonly readContext: string | null
}

export interface SnapshotChunkRequest extends Envelope {
  readonly type: 'snapshot'
  readonly meta: SnapshotMeta
  /** Byte offset of `chunk` within the snapshot data; chunks arrive in order. */
  readonly offset: number
  readonly chunk: Uint8Array
  readonly done: boolean
}

export interface SnapshotChunkResponse extends Envelope {
  readonly type: 'snapshotResponse'
  readonly snapshotIndex: Index
  /** The offset the receiver expects next; equal to the data length once installed. */
  readonly nextOffset: number
  readonly reject: boolean
  readonly done: boolean
}

/** Leadership transfer: the leader tells an up-to-date follower to campaign at once. */
export interface TimeoutNowRequest extends Envelope {
  readonly type: 'timeoutNow'
}

/** A follower forwards a read to the leader, which answers with the index to wait for. */
export interface ReadIndexRequest extends Envelope {
  readonly type: 'readIndex'
  readonly context: string
}

export interface ReadIndexResponse extends Envelope {
  readonly type: 'readIndexResponse'
  readonly context: string
  /** null when the receiver could not serve the read (not leader, or not yet committed in term). */
  readonly index: Index | null
}

export type Message =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | SnapshotChunkRequest
  | SnapshotChunkResponse
  | TimeoutNowRequest
  | ReadIndexRequest
  | ReadIndexResponse

export type MessageType = Message['type']

// ---------------------------------------------------------------------------------------------
// The batch the driver processes, and the persistence contract.
// ---------------------------------------------------------------------------------------------

/**
 * One unit of work for the driver. Process it in this order, then call `advance(ready)`:
 *
 * 1. Persist, in ONE synced write: `snapshot` (if any), then `entries` (replacing any stored
 *    entries at or after `entries[0].index`), then `hardState` (if any).
 * 2. Only after that write is durable, send `messages`. Votes, vote grants and append
 *    acknowledgements in them are promises about the state written in step 1. One exception,
 *    as in etcd: `append` and `heartbeat` messages may leave BEFORE the write (so a leader's
 *    write overlaps its followers') when `hardState` is null or keeps the durable term and vote,
 *    and `snapshot` is null. This is safe because a leader counts itself toward a quorum only
 *    for entries acknowledged durable by `advance`, never for entries merely handed out.
 * 3. Apply `committed` to the state machine in order (they are durable on a quorum already), and
 *    serve each `readStates` entry once the applied index has reached its `index`.
 *
 * `readFailures` lists read contexts that can no longer be served (leadership lost); answer their
 * callers with a retryable error.
 */
export interface Ready {
  readonly softState: SoftState | null
  readonly hardState: HardState | null
  readonly entries: readonly Entry[]
  readonly snapshot: Snapshot | null
  readonly messages: readonly Message[]
  readonly committed: readonly Entry[]
  readonly readStates: readonly ReadState[]
  readonly readFailures: readonly string[]
}

/** What a replica had durably stored when it (re)starts. A fresh replica passes `conf` only. */
export interface RestoredState {
  readonly hardState: HardState
  /** The latest installed snapshot, with its data, or null. */
  readonly snapshot: Snapshot | null
  /** Stored entries after the snapshot, contiguous. */
  readonly entries: readonly Entry[]
  /** Highest index the state machine had applied before the restart (>= snapshot index). */
  readonly applied: Index
  /** Membership for a replica with neither snapshot nor config entries (cluster bootstrap). */
  readonly conf: ConfState
}

export interface RaftConfig {
  readonly id: NodeId
  /** Election timeout is drawn uniformly from [electionTicks, 2 * electionTicks). */
  readonly electionTicks: number
  readonly heartbeatTicks: number
  /** Upper bound of the bytes of entries carried by one append message. */
  readonly maxBytesPerMessage: number
  /** Bound on append messages in flight to one follower (pipelining window). */
  readonly maxInflightMessages: number
  readonly snapshotChunkBytes: number
  readonly preVote: boolean
  readonly checkQuorum: boolean
  /**
   * Lease reads: a leader serves reads without a heartbeat round while its lease holds. Safe only
   * if clocks of replicas advance at rates differing by at most `maxClockDriftTicks` per election
   * timeout; the lease is shortened by that bound. Requires `checkQuorum`.
   */
  readonly leaseReads: boolean
  readonly maxClockDriftTicks: number
  /** Uniform in [0, 1): injected so simulations are reproducible. */
  readonly random: () => number
}

export type ProposeResult =
  | { readonly ok: true; readonly index: Index; readonly term: Term }
  | { readonly ok: false; readonly reason: 'notLeader'; readonly leader: NodeId | null }
  | { readonly ok: false; readonly reason: 'transferring'; readonly leader: NodeId }
  | { readonly ok: false; readonly reason: 'confChangePending' | 'invalidConfChange'; readonly detail: string }
