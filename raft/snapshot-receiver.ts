import type { Snapshot, SnapshotChunkRequest, SnapshotMeta } from './types.js'

/** What the receiver makes of one chunk. */
export type ChunkOutcome =
  | { readonly kind: 'accepted'; readonly nextOffset: number }
  | { readonly kind: 'complete'; readonly snapshot: Snapshot }
  | { readonly kind: 'outOfOrder'; readonly expectedOffset: number }

/**
 * Reassembles a snapshot sent in chunks. Chunks must arrive in offset order; anything else is
 * answered with the offset expected next so the leader resends from there. A chunk at offset 0
 * (re)starts a transfer, which also discards a half-received older snapshot.
 */
export class SnapshotReceiver {
  private meta: SnapshotMeta | null = null
  private parts: Uint8Array[] = []
  private received = 0

  receive(msg: SnapshotChunkRequest): ChunkOutcome {
    if (msg.offset === 0) {
      this.meta = msg.meta
      this.parts = []
      this.received = 0
    } else if (this.meta === null || !sameSnapshot(this.meta, msg.meta) || msg.offset !== this.received) {
      return { kind: 'outOfOrder', expectedOffset: this.meta !== null && sameSnapshot(this.meta, msg.meta) ? this.received : 0 }
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
    this.parts = []
    this.received = 0
  }
}

function sameSnapshot(a: SnapshotMeta, b: SnapshotMeta): boolean {
  return a.index === b.index && a.term === b.term
}
