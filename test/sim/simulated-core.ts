/**
 * The part of RaftNode's public API the simulator drives. RaftNode (raft/index.ts) and its
 * test-only subclasses satisfy it structurally; keeping it here lets the simulator state exactly
 * what it relies on.
 */
import type { ConfChange, ConfState, Entry, Index, NodeId, ProposeResult, Ready, Role, Snapshot, Term, Message } from '../../raft/types.js'

export interface SimulatedCoreStatus {
  readonly role: Role
  readonly term: Term
  readonly leader: NodeId | null
  readonly commit: Index
  readonly applied: Index
  readonly lastIndex: Index
  /** First index of the core's log: everything before it is in a snapshot. */
  readonly firstIndex: Index
  readonly conf: ConfState
}

export interface SimulatedCore {
  tick(): void
  step(message: Message): void
  propose(data: Uint8Array): ProposeResult
  proposeConfChange(change: ConfChange): ProposeResult
  readIndex(context: string): { ok: true } | { ok: false; reason: 'notLeader'; leader: NodeId | null }
  transferLeadership(to: NodeId): { ok: true } | { ok: false; reason: string }
  /** Returns the snapshot as the core records it (its own term and membership for the index). */
  compact(snapshot: Snapshot): Snapshot
  hasReady(): boolean
  ready(): Ready
  /** The driver made a Ready's snapshot and entries durable (possibly several Readys' entries in one write). */
  advanceStored(snapshot: Snapshot | null, entries: readonly Entry[]): void
  /** The driver applied these committed entries. */
  advanceApplied(committed: readonly Entry[]): void
  status(): SimulatedCoreStatus
}
