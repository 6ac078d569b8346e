/**
 * The durable copy of a replica's Raft state: log entries after the latest snapshot, the hard
 * state, and that snapshot (metadata and data, so it can be streamed to lagging followers after a
 * restart). Each call is ONE LevelDB batch written with `sync: true`, so a crash leaves either all
 * of a Ready's state on disk or none of it.
 *
 * Stored entries are always the contiguous range [first, last] with first = snapshot index + 1;
 * the bounds are cached in memory so deletions can be listed without reading the log back.
 */
import type { PersistBatch, RaftStorage } from '../raft/driver.js'
import type { ConfState, Entry, HardState, Index, RestoredState, Snapshot, SnapshotMeta } from '../raft/types.js'
import {
  decodeEntry,
  decodeHardState,
  decodeIndexKey,
  decodeSnapshotMeta,
  encodeEntry,
  encodeHardState,
  encodeSnapshotMeta,
} from './raft-record-codec.js'
import type { RawBatch } from './raw-batch.js'
import { ReplicaDbError, type ReplicaDb } from './replica-db.js'

const HARD_STATE_KEY = 'hardState'
const SNAPSHOT_META_KEY = 'snapshotMeta'
const SNAPSHOT_DATA_KEY = 'snapshotData'

const INITIAL_HARD_STATE: HardState = { term: 0, vote: null, commit: 0 }


export class RaftLogStore implements RaftStorage {
  private constructor(
    private readonly db: ReplicaDb,
    /** The hard state last written, to tell a commit-only change from a new term or vote. */
    private stored: HardState,
    /** Index of the latest snapshot (0 without one); stored entries start right after it. */
    private snapshotIndex: Index,
    /** Index of the last stored entry; equals snapshotIndex when no entry is stored. */
    private lastIndex: Index,
  ) {}

  static async open(db: ReplicaDb): Promise<RaftLogStore> {
    const hardStateBytes = await db.raftState.get(HARD_STATE_KEY)
    const hardState =
      hardStateBytes === undefined ? INITIAL_HARD_STATE : db.decodeRecord('hard state', () => decodeHardState(hardStateBytes))
    const metaBytes = await db.raftState.get(SNAPSHOT_META_KEY)
    const snapshotIndex = metaBytes === undefined ? 0 : db.decodeRecord('snapshot metadata', () => decodeSnapshotMeta(metaBytes)).index
    let lastIndex = snapshotIndex
    for await (const key of db.raftLog.keys({ reverse: true, limit: 1 })) {
      lastIndex = db.decodeRecord('last log key', () => decodeIndexKey(key))
    }
    if (lastIndex < snapshotIndex) {
      throw new ReplicaDbError(db.directory, `raft log ends at ${lastIndex}, before its snapshot at ${snapshotIndex}`)
    }
    return new RaftLogStore(db, hardState, snapshotIndex, lastIndex)
  }

  /**
   * Everything needed to restart the core. `applied` is the state machine's durable applied index
   * (it may lag the snapshot if a crash hit between storing a received snapshot and installing
   * it; the driver then installs the stored snapshot first). `conf` is the bootstrap membership.
   */
  async load(bootstrap: { readonly applied: Index; readonly conf: ConfState }): Promise<RestoredState> {
    const snapshot = await this.loadSnapshot()
    const entries: Entry[] = []
    for await (const [key, value] of this.db.raftLog.iterator()) {
      const keyIndex = this.db.decodeRecord('log key', () => decodeIndexKey(key))
      const entry = this.db.decodeRecord(`log entry ${keyIndex}`, () => decodeEntry(value))
      const expected = this.snapshotIndex + 1 + entries.length
      if (keyIndex !== expected || entry.index !== expected) {
        throw new ReplicaDbError(
          this.db.directory,
          `raft log is not contiguous: expected index ${expected}, found key ${keyIndex} holding entry ${entry.index}`,
        )
      }
      entries.push(entry)
    }
    if (bootstrap.applied > this.lastIndex) {
      throw new ReplicaDbError(
        this.db.directory,
        `state machine applied index ${bootstrap.applied}, beyond the log's last index ` +
          `${this.lastIndex}: the stores do not belong together`,
      )
    }
    // Commit-only hard states are not written (see onlyMovesCommit), so the stored commit may lag
    // what the state machine applied or a snapshot covers; whatever those hold had been committed.
    const hardState = { ...this.stored, commit: Math.max(this.stored.commit, bootstrap.applied, this.snapshotIndex) }
    return { hardState, snapshot, entries, applied: bootstrap.applied, conf: bootstrap.conf }
  }

  async persist(batch: PersistBatch): Promise<void> {
    // A batch that only moves the commit index is not written at all (see `onlyMovesCommit`).
    if (this.onlyMovesCommit(batch)) return
    const plan = this.planLayout(batch)
    const ops = this.db.rawBatch()
    if (batch.snapshot !== null) {
      this.deleteEntries(ops, this.snapshotIndex + 1, plan.dropThrough)
      this.putSnapshot(ops, batch.snapshot)
    }
    const last = batch.entries[batch.entries.length - 1]
    if (last !== undefined) {
      for (const entry of batch.entries) ops.put(this.db.logKey(entry.index), encodeEntry(entry))
      // Stored entries past the new tail belong to a suffix the leader overwrote.
      this.deleteEntries(ops, last.index + 1, plan.lastBeforeEntries)
    }
    if (batch.hardState !== null) ops.put(this.db.raftStateKey(HARD_STATE_KEY), encodeHardState(batch.hardState))
    if (ops.length === 0) return
    await ops.write({ sync: true })
    if (batch.hardState !== null) this.stored = batch.hardState
    // Only a batch with a snapshot moves the snapshot index: a `compact` may have moved it meanwhile.
    if (batch.snapshot !== null) this.snapshotIndex = plan.snapshotIndex
    this.lastIndex = plan.lastIndex
  }

  /**
   * A batch that only moves the commit index need not be written: Raft does not need the commit
   * index to be durable (a restarted replica learns it again from the leader, and a new leader
   * recomputes it), and `load` raises the stored one to what the state machine applied. It is
   * stored, synced, with the next batch that carries entries, a snapshot, or a new term or vote.
   * Skipping it saves a trip through LevelDB's thread pool on every commit, the leader's included.
   */
  onlyMovesCommit(batch: PersistBatch): boolean {
    const next = batch.hardState
    return (
      batch.snapshot === null &&
      batch.entries.length === 0 &&
      next !== null &&
      next.term === this.stored.term &&
      next.vote === this.stored.vote
    )
  }

  /** Where the log will start and end after `batch`, checked before anything is written. */
  private planLayout(batch: PersistBatch): {
    snapshotIndex: Index
    dropThrough: Index
    lastBeforeEntries: Index
    lastIndex: Index
  } {
    let snapshotIndex = this.snapshotIndex
    let lastIndex = this.lastIndex
    let dropThrough = snapshotIndex
    if (batch.snapshot !== null) {
      const meta = batch.snapshot.meta
      if (meta.index <= this.snapshotIndex) {
        throw new Error(`snapshot at index ${meta.index} is not newer than the stored one at ${this.snapshotIndex}`)
      }
      // The core hands out a snapshot only when it replaced its whole log with it (a log that
      // already agreed with the snapshot just commits up to it instead), so the stored log goes too.
      dropThrough = lastIndex
      snapshotIndex = meta.index
      lastIndex = meta.index
    }
    const lastBeforeEntries = lastIndex
    const first = batch.entries[0]
    const last = batch.entries[batch.entries.length - 1]
    if (first !== undefined && last !== undefined) {
      if (first.index <= snapshotIndex || first.index > lastIndex + 1) {
        throw new Error(
          `entries starting at ${first.index} do not attach to the stored log ` +
            `(snapshot ${snapshotIndex}, last ${lastIndex})`,
        )
      }
      lastIndex = last.index
    }
    return { snapshotIndex, dropThrough, lastBeforeEntries, lastIndex }
  }

  async compact(snapshot: Snapshot): Promise<void> {
    const index = snapshot.meta.index
    if (index <= this.snapshotIndex) return
    const ops = this.db.rawBatch()
    this.deleteEntries(ops, this.snapshotIndex + 1, Math.min(index, this.lastIndex))
    this.putSnapshot(ops, snapshot)
    await ops.write({ sync: true })
    this.snapshotIndex = index
    this.lastIndex = Math.max(index, this.lastIndex)
  }

  private async loadSnapshot(): Promise<Snapshot | null> {
    const [metaBytes, data] = await this.db.raftState.getMany([SNAPSHOT_META_KEY, SNAPSHOT_DATA_KEY])
    if (metaBytes === undefined) return null
    if (data === undefined) throw new ReplicaDbError(this.db.directory, 'the snapshot has metadata but no data')
    const meta: SnapshotMeta = this.db.decodeRecord('snapshot metadata', () => decodeSnapshotMeta(metaBytes))
    return { meta, data }
  }

  private putSnapshot(ops: RawBatch, snapshot: Snapshot): void {
    ops.put(this.db.raftStateKey(SNAPSHOT_META_KEY), encodeSnapshotMeta(snapshot.meta))
    ops.put(this.db.raftStateKey(SNAPSHOT_DATA_KEY), snapshot.data)
  }

  private deleteEntries(ops: RawBatch, from: Index, through: Index): void {
    for (let index = from; index <= through; index++) ops.del(this.db.logKey(index))
  }
}
