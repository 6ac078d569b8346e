import { assert } from './assert.js'
import { Inflights } from './inflights.js'
import type { Index, Snapshot } from './types.js'

export type ProgressState = 'probe' | 'replicate' | 'snapshot'

/** How far a snapshot transfer to one follower has gone, in bytes of the snapshot's data. */
export interface SnapshotTransfer {
  /** The snapshot being sent, kept even if the leader compacts again, so the transfer can finish. */
  readonly snapshot: Snapshot
  readonly index: Index
  /** The follower has confirmed every byte before this offset. */
  acked: number
  /** Bytes before this offset have been sent at least once. */
  sent: number
  /** The final chunk was sent and no resend was asked for since. */
  doneSent: boolean
  /** `acked` as of the previous heartbeat answer; no movement since means chunks were lost. */
  ackedAtLastHeartbeat: number
  /** The offset of the last resend asked for by a refused chunk, or null. */
  rewoundTo: number | null
}

/**
 * The leader's view of one follower:
 * - probe: the matching point is unknown; one append at a time until an answer arrives.
 * - replicate: the follower is in sync; appends are pipelined, bounded by the inflight window.
 * - snapshot: the follower is behind the first retained entry and receives the snapshot.
 */
export class Progress {
  match: Index = 0
  next: Index
  state: ProgressState = 'probe'
  /** Probe state: an append is outstanding, so wait for its answer (or a heartbeat answer). */
  probeSent = false
  /** Heard from since the last CheckQuorum round. */
  recentActive = false
  readonly inflights: Inflights
  snapshot: SnapshotTransfer | null = null

  constructor(next: Index, maxInflight: number) {
    this.next = next
    this.inflights = new Inflights(maxInflight)
  }

  becomeProbe(): void {
    // After a snapshot the follower holds everything up to the snapshot index.
    const resumeAt = this.snapshot === null ? this.match + 1 : Math.max(this.match, this.snapshot.index) + 1
    this.state = 'probe'
    this.next = resumeAt
    this.probeSent = false
    this.snapshot = null
    this.inflights.reset()
  }

  becomeReplicate(): void {
    this.state = 'replicate'
    this.next = this.match + 1
    this.probeSent = false
    this.snapshot = null
    this.inflights.reset()
  }

  becomeSnapshot(snapshot: Snapshot): void {
    this.state = 'snapshot'
    this.probeSent = false
    this.inflights.reset()
    this.snapshot = { snapshot, index: snapshot.meta.index, acked: 0, sent: 0, doneSent: false, ackedAtLastHeartbeat: -1, rewoundTo: null }
  }

  /** Records a successful acknowledgement; false if it told us nothing new. */
  acknowledge(index: Index): boolean {
    let updated = false
    if (index > this.match) {
      this.match = index
      this.probeSent = false
      updated = true
    }
    this.next = Math.max(this.next, index + 1)
    return updated
  }

  /** An append ending at `last` was sent (replicate state: optimistically assume it lands). */
  sentEntries(last: Index): void {
    if (this.state === 'replicate') {
      this.next = last + 1
      this.inflights.add(last)
    } else {
      this.probeSent = true
    }
  }

  /**
   * A rejection of the append whose prevLogIndex was `rejected`. Returns false if the rejection
   * is stale (it answers an older append than the one that decides the current position).
   */
  retreat(rejected: Index, probeFrom: Index): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false
      this.becomeProbe()
      this.next = Math.max(this.match + 1, Math.min(rejected, probeFrom))
      return true
    }
    if (this.state !== 'probe' || this.next - 1 !== rejected) return false
    this.next = Math.max(this.match + 1, Math.min(rejected, probeFrom))
    this.probeSent = false
    return true
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent
      case 'replicate':
        return this.inflights.full()
      case 'snapshot':
        return true
    }
  }

  checkInvariants(lastIndex: Index): void {
    assert(this.match <= lastIndex, 'match {0} beyond last index {1}', this.match, lastIndex)
    assert(this.next > this.match, 'next {0} not after match {1}', this.next, this.match)
    assert(this.next <= lastIndex + 1, 'next {0} beyond last index {1} + 1', this.next, lastIndex)
  }
}
