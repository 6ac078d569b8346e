import { assert } from './assert.js'
import type { Entry, Index, Snapshot, Term } from './types.js'

/** A position in the log: the entry at `index` has `term`. */
export interface LogPosition {
  readonly index: Index
  readonly term: Term
}

/**
 * The replica's log as the core sees it: a snapshot boundary (everything up to `snapshotIndex` is
 * compacted into a snapshot) followed by contiguous entries. It also tracks which part is durable
 * (`stable`), which part was handed to the driver in a `Ready` and awaits `advance` (in progress),
 * and how far the state machine has applied.
 */
export class RaftLog {
  private snapIndex: Index
  private snapTerm: Term
  private entries: Entry[]
  /** Latest snapshot covering the boundary, kept to send to followers; null if never taken. */
  private snapshot: Snapshot | null
  /** A snapshot received from the leader, not yet handed to the driver / not yet durable. */
  private unstableSnapshot: Snapshot | null = null
  private unstableSnapshotInProgress = false
  /** Entries up to here are durable. */
  private stable: Index
  /** Entries up to here were handed to the driver to persist. */
  private persisting: Index
  committed: Index
  /** Highest index the state machine has applied (acknowledged by advance). */
  applied: Index
  /** Highest index handed to the driver to apply. */
  private applying: Index

  constructor(snapshot: Snapshot | null, entries: readonly Entry[], commit: Index, applied: Index) {
    this.snapshot = snapshot
    this.snapIndex = snapshot?.meta.index ?? 0
    this.snapTerm = snapshot?.meta.term ?? 0
    this.entries = [...entries]
    this.stable = this.lastIndex()
    this.persisting = this.stable
    this.committed = Math.max(commit, this.snapIndex)
    this.applied = Math.max(applied, this.snapIndex)
    this.applying = this.applied
    this.checkInvariants()
  }

  firstIndex(): Index {
    return this.snapIndex + 1
  }

  lastIndex(): Index {
    return this.snapIndex + this.entries.length
  }

  /** Last index the driver has made durable (acknowledged by advance). */
  stableIndex(): Index {
    return this.stable
  }

  lastTerm(): Term {
    return this.entries[this.entries.length - 1]?.term ?? this.snapTerm
  }

  snapshotIndex(): Index {
    return this.snapIndex
  }

  /** The term of the entry at `index`, or undefined if it is compacted away or beyond the end. */
  term(index: Index): Term | undefined {
    if (index === this.snapIndex) return this.snapTerm
    return this.entry(index)?.term
  }

  entry(index: Index): Entry | undefined {
    if (index <= this.snapIndex) return undefined
    return this.entries[index - this.snapIndex - 1]
  }

  matchTerm(index: Index, term: Term): boolean {
    return this.term(index) === term
  }

  /** Raft's "at least as up to date" comparison (§5.4.1). */
  isUpToDate(lastIndex: Index, lastTerm: Term): boolean {
    return lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex())
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term: where a leader whose log
   * has `term` at `index` should probe next. Skips a whole conflicting term per round trip.
   */
  lastPositionAtOrBefore(index: Index, term: Term): LogPosition {
    let at = Math.min(index, this.lastIndex())
    while (at > this.snapIndex) {
      const t = this.term(at)
      if (t !== undefined && t <= term) return { index: at, term: t }
      at--
    }
    // Compacted entries are committed, so they match any leader's log.
    return { index: at, term: this.term(at) ?? 0 }
  }

  /** Entries in [from, lastIndex], at least one if any, and at most `maxBytes` beyond the first. */
  slice(from: Index, maxBytes: number): Entry[] | undefined {
    if (from <= this.snapIndex) return undefined
    const out: Entry[] = []
    let bytes = 0
    for (let i = from; i <= this.lastIndex(); i++) {
      const e = this.entry(i)
      assert(e !== undefined, 'entry {0} missing inside the log', i)
      bytes += entrySize(e)
      if (out.length > 0 && bytes > maxBytes) break
      out.push(e)
    }
    return out
  }

  /** Appends entries at the end (a leader's own proposals). */
  append(entry: Entry): void {
    assert(entry.index === this.lastIndex() + 1, 'appending index {0} after {1}', entry.index, this.lastIndex())
    assert(entry.term >= this.lastTerm(), 'appending term {0} after term {1}', entry.term, this.lastTerm())
    this.entries.push(entry)
  }

  /**
   * Merges entries that follow a matching position (already checked by the caller): entries
   * already present are kept, the first conflicting one and everything after it is replaced.
   * Returns the index of the first entry written, or null if nothing changed.
   */
  mergeAfterMatch(entries: readonly Entry[]): Index | null {
    for (const e of entries) {
      const existing = this.term(e.index)
      if (existing === e.term) continue
      if (e.index <= this.snapIndex) continue
      assert(e.index > this.committed, 'truncating committed entry {0} (commit {1})', e.index, this.committed)
      this.truncateFrom(e.index)
      for (const rest of entries) if (rest.index >= e.index) this.entries.push(rest)
      return e.index
    }
    return null
  }

  /** Index of the first entry whose term differs from ours (or that we lack), or null. */
  firstConflict(entries: readonly Entry[]): Index | null {
    for (const e of entries) {
      if (e.index <= this.snapIndex) continue
      if (this.term(e.index) !== e.term) return e.index
    }
    return null
  }

  private truncateFrom(index: Index): void {
    this.entries.length = index - this.snapIndex - 1
    this.stable = Math.min(this.stable, index - 1)
    this.persisting = Math.min(this.persisting, index - 1)
  }

  commitTo(index: Index): void {
    if (index <= this.committed) return
    assert(index <= this.lastIndex(), 'commit {0} beyond last index {1}', index, this.lastIndex())
    this.committed = index
  }

  /** Replaces the whole log by a snapshot received from the leader. */
  restore(snapshot: Snapshot): void {
    assert(snapshot.meta.index > this.committed, 'restoring a snapshot that is not ahead of commit')
    this.snapshot = snapshot
    this.unstableSnapshot = snapshot
    this.unstableSnapshotInProgress = false
    this.snapIndex = snapshot.meta.index
    this.snapTerm = snapshot.meta.term
    this.entries = []
    this.stable = this.snapIndex
    this.persisting = this.snapIndex
    this.committed = this.snapIndex
  }

  /** Drops entries up to the snapshot the application took (index <= applied). */
  compact(snapshot: Snapshot): void {
    const index = snapshot.meta.index
    if (index <= this.snapIndex) return
    assert(index <= this.applied && index <= this.stable, 'compacting {0} beyond applied/stable', index)
    this.entries = this.entries.slice(index - this.snapIndex)
    this.snapIndex = index
    this.snapTerm = snapshot.meta.term
    this.snapshot = snapshot
  }

  latestSnapshot(): Snapshot | null {
    return this.snapshot
  }

  // --- Ready bookkeeping --------------------------------------------------------------------

  hasUnsentWork(): boolean {
    return this.nextUnstableSnapshot() !== null || this.persisting < this.lastIndex() || this.applyLimit() > this.applying
  }

  nextUnstableSnapshot(): Snapshot | null {
    return this.unstableSnapshotInProgress ? null : this.unstableSnapshot
  }

  nextUnstableEntries(): Entry[] {
    return this.entries.slice(Math.max(0, this.persisting - this.snapIndex))
  }

  nextCommittedEntries(through: Index = Infinity): Entry[] {
    const out: Entry[] = []
    const last = Math.min(this.applyLimit(), through)
    for (let i = this.applying + 1; i <= last; i++) {
      const e = this.entry(i)
      assert(e !== undefined, 'committed entry {0} missing', i)
      out.push(e)
    }
    return out
  }

  private applyLimit(): Index {
    // A snapshot not yet installed by the driver must be installed before anything after it.
    return this.unstableSnapshot !== null && this.unstableSnapshotInProgress === false && this.applying < this.snapIndex
      ? this.applying
      : this.committed
  }

  /** The driver was handed everything returned by the next* methods above. */
  markHandedOut(snapshot: Snapshot | null, entries: readonly Entry[], committed: readonly Entry[]): void {
    if (snapshot !== null) {
      this.unstableSnapshotInProgress = true
      this.applying = Math.max(this.applying, snapshot.meta.index)
    }
    const lastEntry = entries[entries.length - 1]
    if (lastEntry !== undefined) this.persisting = lastEntry.index
    const lastCommitted = committed[committed.length - 1]
    if (lastCommitted !== undefined) this.applying = lastCommitted.index
  }

  /** The driver persisted and applied a Ready. */
  acknowledge(snapshot: Snapshot | null, entries: readonly Entry[], committed: readonly Entry[]): void {
    if (snapshot !== null && this.unstableSnapshot === snapshot) {
      this.unstableSnapshot = null
      this.unstableSnapshotInProgress = false
      this.applied = Math.max(this.applied, snapshot.meta.index)
      this.stable = Math.max(this.stable, snapshot.meta.index)
    }
    // Entries overwritten since they were handed out are not the ones that became durable; those
    // before them are (a new leader's suffix may replace the tail of a write still in flight).
    const lastKept = lastMatching(entries, (index, term) => this.matchTerm(index, term))
    if (lastKept !== null) this.stable = Math.max(this.stable, Math.min(lastKept, this.persisting))
    const lastCommitted = committed[committed.length - 1]
    if (lastCommitted !== undefined) this.applied = Math.max(this.applied, lastCommitted.index)
    this.checkInvariants()
  }

  checkInvariants(): void {
    const last = this.lastIndex()
    assert(this.committed <= last, 'commit {0} beyond last index {1}', this.committed, last)
    assert(this.applied <= this.committed, 'applied {0} beyond commit {1}', this.applied, this.committed)
    assert(this.applying <= this.committed, 'applying {0} beyond commit {1}', this.applying, this.committed)
    assert(this.stable <= last && this.persisting <= last, 'stable/persisting beyond last index')
    assert(this.snapIndex <= this.committed, 'snapshot {0} beyond commit {1}', this.snapIndex, this.committed)
  }
}

/** The index of the last of `entries` the log still holds (by log matching, all before it are held too), or null. */
function lastMatching(entries: readonly Entry[], matches: (index: Index, term: Term) => boolean): Index | null {
  for (let i = entries.length - 1; i >= 0; i--) {
    const entry = entries[i]
    if (entry !== undefined && matches(entry.index, entry.term)) return entry.index
  }
  return null
}

/** Approximate encoded size of an entry, for batching appends by bytes. */
function entrySize(entry: Entry): number {
  const header = 24
  switch (entry.kind) {
    case 'command':
      return header + entry.data.byteLength
    case 'noop':
      return header
    case 'config':
      return header + 16 + entry.change.node.length + ('context' in entry.change ? (entry.change.context?.byteLength ?? 0) : 0)
  }
}
