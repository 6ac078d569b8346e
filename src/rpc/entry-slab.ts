/**
 * Re-homes the payloads of received log entries into large shared buffers.
 *
 * A follower keeps every entry it receives until the next snapshot. Decoded one by one (the frame
 * codec copies byte strings so they do not pin the receive buffer), each entry's bytes were an
 * ArrayBuffer of their own: a heap object, an extension V8 tracks and sweeps, and a separate
 * allocation, for a payload of a few hundred bytes; and its kind a string of its own. Here the
 * payloads of command entries are copied into 64 KB chunks, one after another, and each entry is
 * rebuilt with the shared `'command'` literal: a chunk holds a few hundred consecutive entries and
 * is freed once the last of them is (they are compacted together). The decoded copies die young.
 * Payloads larger than a quarter of a chunk keep their own buffer. Whatever outlives its entry
 * must not point into a chunk: `decodeProposal` copies the byte strings it decodes (a moved
 * person's records, kept in the apply cache).
 */
import type { Entry, Message } from '../../raft/types.js'

const CHUNK_BYTES = 64 * 1024
const MAX_SHARED_BYTES = CHUNK_BYTES / 4

export class EntrySlab {
  private chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES)
  private used = 0

  /** `messages` with every append's command entries rebuilt on shared chunks; other messages as they were. */
  adopt(messages: readonly Message[]): Message[] {
    return messages.map((message) => (message.type === 'append' && message.entries.length > 0 ? { ...message, entries: message.entries.map((entry) => this.adoptEntry(entry)) } : message))
  }

  private adoptEntry(entry: Entry): Entry {
    if (entry.kind !== 'command' || entry.data.byteLength > MAX_SHARED_BYTES) return entry
    return { kind: 'command', term: entry.term, index: entry.index, data: this.copy(entry.data) }
  }

  private copy(bytes: Uint8Array): Uint8Array {
    if (this.used + bytes.byteLength > CHUNK_BYTES) {
      this.chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES)
      this.used = 0
    }
    const start = this.used
    this.chunk.set(bytes, start)
    this.used += bytes.byteLength
    return this.chunk.subarray(start, this.used)
  }
}
