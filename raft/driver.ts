import type { Entry, HardState, Snapshot } from './types.js'

/** What one Ready asks to make durable; persisted in ONE synced write, in this order. */
export interface PersistBatch {
  readonly snapshot: Snapshot | null
  readonly entries: readonly Entry[]
  readonly hardState: HardState | null
}

/** The replica's durable Raft state. A rejected promise is fatal for the replica. */
export interface RaftStorage {
  /**
   * One synced write: the snapshot (entries it covers are dropped, and so is the rest of the log
   * unless the stored entry at the snapshot's index has the snapshot's term), then the entries
   * (replacing stored entries at or after `entries[0].index`), then the hard state.
   */
  persist(batch: PersistBatch): Promise<void>
  /** Record a snapshot the local state machine produced and drop the entries it covers. */
  compact(snapshot: Snapshot): Promise<void>
}
