import type { Snapshot, SnapshotChunkRequest, SnapshotMeta } from './types.js'

/** What the receiver makes of one chunk. */
export type ChunkOutcome =
  | { readonly kind: 'accepted'; readonly nextOffset: number }
  | { readonly kind: 'duplicate'; readonly nextOffset: number }
  | { readonly kind: 'complete'; readonly snapshot: Snapshot }
  | { readonly kind: 'outOfOrder'; readonly expectedOffset: number }

/**
 * Reassembles a snapshot sent in chunks. Chunks must arrive in offset order. A chunk already
 * received (a duplicate or a retransmission) is acknowledged again with the offset expected next;
 * only a gap (or a chunk of a snapshot we are not receiving) is refused, so that the leader
 * resends from the expected offset. A chunk at offset 0 (re)starts a transfer, which also discards
 * a half-received older snapshot.
 */
export class SnapshotReceiver {
  private meta: SnapshotMeta | null = null
  /** Two leaders may serialize the same state differently: never mix their chunks. */
  private sender: string | null = null
  private parts: Uint8Array[] = []
  private received = 0

  receive(msg: SnapshotChunkRequest): ChunkOutcome {
    const current = this.meta !== null && this.sender === msg.from && sameSnapshot(this.meta, msg.meta)
    if (current && msg.offset < this.received) return { kind: 'duplicate', nextOffset: this.received }
    if (msg.offset === 0) {
      this.meta = msg.meta
      this.sender = msg.from
      this.parts = []
      this.received = 0
    } else if (!current || msg.offset !== this.received) {
      return { kind: 'outOfOrder', expectedOffset: current ? this.received : 0 }
    }
    this.parts.push(msg.chunk)
    this.received += msg.chunk.byteLength
    if (!msg.done) return { kind: 'accepted', nextOffset: this.received }
    const data = new Uint8Array(this.received)
    let at = 0
    for (const part of this.parts) {
      data.set(part, at)
      at += part.byteLength
    }
    const snapshot: Snapshot = { meta: msg.meta, data }
    this.reset()
    return { kind: 'complete', snapshot }
  }

  reset(): void {
    this.meta = null
    this.sender = null
    this.parts = []
    this.received = 0
  }
}

function sameSnapshot(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term
}
