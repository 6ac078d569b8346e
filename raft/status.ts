import type { ProgressState } from './progress.js'
import type { ConfState, Index, NodeId, Role, Term } from './types.js'

export interface FollowerProgress {
  readonly match: Index
  readonly next: Index
  readonly state: ProgressState
  /** Appends in flight (replicate state) or 1 while a probe is outstanding. */
  readonly inflight: number
}

/** A read-only picture of a replica, for operators, drivers and tests. */
export interface RaftStatus {
  readonly id: NodeId
  readonly role: Role
  readonly term: Term
  readonly vote: NodeId | null
  readonly leader: NodeId | null
  readonly commit: Index
  readonly applied: Index
  readonly lastIndex: Index
  readonly firstIndex: Index
  readonly conf: ConfState
  /** Present on a leader: every other member's replication progress. */
  readonly progress: Readonly<Record<NodeId, FollowerProgress>> | null
  /** Present on a leader during a leadership transfer. */
  readonly transferringTo: NodeId | null
}
