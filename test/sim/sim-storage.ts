/**
 * One replica's durable storage in the simulation. It holds ONLY what a `Ready` (or the
 * application's own snapshot) told it to persist, following the contract written on `Ready` in
 * raft/types.ts. A crash keeps exactly this object; everything else of the replica is lost, and
 * the restarted core is built from `restoredState()`.
 */
import type { PersistBatch } from '../../raft/driver.js'
import type { ConfState, Entry, HardState, Index, RestoredState, Snapshot, Term } from '../../raft/types.js'
import { SimulationViolation } from './violation.js'

export class SimStorage {
  private hard: HardState = { term: 0, vote: null, commit: 0 }
  private snap: Snapshot | null = null
  private log: Entry[] = []

  constructor(
    readonly nodeId: string,
    /** Membership a brand-new replica starts with (bootstrap voters, or empty for a joiner). */
    private readonly bootstrapConf: ConfState,
  ) {}

  hardState(): HardState {
    return this.hard
  }

  snapshot(): Snapshot | null {
    return this.snap
  }

  entries(): readonly Entry[] {
    return this.log
  }

  snapshotIndex(): Index {
    return this.snap?.meta.index ?? 0
  }

  lastIndex(): Index {
    const last = this.log[this.log.length - 1]
    return last?.index ?? this.snapshotIndex()
  }

  /** Term of the entry at `index` as stored (the snapshot's term at its boundary), or undefined. */
  termAt(index: Index): Term | undefined {
    if (index === 0) return 0
    if (this.snap !== null && index === this.snap.meta.index) return this.snap.meta.term
    return this.entryAt(index)?.term
  }

  entryAt(index: Index): Entry | undefined {
    const first = this.log[0]
    if (first === undefined || index < first.index) return undefined
    return this.log[index - first.index]
  }

  /**
   * Step 1 of the Ready contract, as one atomic write: snapshot, then entries (replacing stored
   * entries from the first new index on), then hard state: one Ready's, or several merged into
   * one write by the pipelined driver. Returns the entries newly written.
   */
  persist(batch: PersistBatch): readonly Entry[] {
    if (batch.snapshot !== null) this.installSnapshot(batch.snapshot)
    if (batch.entries.length > 0) this.writeEntries(batch.entries)
    if (batch.hardState !== null) this.writeHardState(batch.hardState)
    return batch.entries
  }

  /** The application snapshotted its state machine at `snapshot.meta.index`; drop the log up to it. */
  compact(snapshot: Snapshot): void {
    if (snapshot.meta.index <= this.snapshotIndex()) return
    this.snap = snapshot
    this.log = this.log.filter((e) => e.index > snapshot.meta.index)
  }

  /** Makes this storage a copy of `other` (for views of the log that run ahead of the disk). */
  restoreFrom(other: SimStorage): void {
    this.hard = other.hard
    this.snap = other.snap
    this.log = [...other.log]
  }

  /** What a restarted core gets; `applied` is decided by how the state machine survived. */
  restoredState(applied: Index): RestoredState {
    return {
      hardState: this.hard,
      snapshot: this.snap,
      entries: [...this.log],
      applied,
      conf: this.bootstrapConf,
    }
  }

  private installSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta
    if (index <= this.snapshotIndex()) {
      throw new SimulationViolation('persistence contract', `${this.nodeId}: Ready.snapshot at ${index} is not newer than the stored snapshot at ${this.snapshotIndex()}`)
    }
    // Raft paper, InstallSnapshot step 6/7: keep the suffix only if it follows the snapshot's entry.
    const keepSuffix = this.termAt(index) === term
    this.log = keepSuffix ? this.log.filter((e) => e.index > index) : []
    this.snap = snapshot
  }

  private writeEntries(entries: readonly Entry[]): void {
    const first = entries[0] as Entry
    if (first.index <= this.snapshotIndex()) {
      throw new SimulationViolation('persistence contract', `${this.nodeId}: Ready.entries start at ${first.index}, inside the snapshot (up to ${this.snapshotIndex()})`)
    }
    if (first.index > this.lastIndex() + 1) {
      throw new SimulationViolation('persistence contract', `${this.nodeId}: Ready.entries start at ${first.index}, leaving a gap after stored last index ${this.lastIndex()}`)
    }
    for (let i = 1; i < entries.length; i++) {
      if ((entries[i] as Entry).index !== first.index + i) {
        throw new SimulationViolation('persistence contract', `${this.nodeId}: Ready.entries are not contiguous at position ${i}`)
      }
    }
    this.log = this.log.filter((e) => e.index < first.index).concat(entries)
  }

  private writeHardState(hard: HardState): void {
    if (hard.term < this.hard.term) {
      throw new SimulationViolation('persistence contract', `${this.nodeId}: hard state term went back from ${this.hard.term} to ${hard.term}`)
    }
    this.hard = hard
  }
}
