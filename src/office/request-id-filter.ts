/**
 * Which request ids may be in the applied-request table, answered from memory. "No" is exact, so
 * the apply skips the LevelDB read of a fresh id (every put's id is fresh; only a retry is not);
 * "maybe" (a retry, or a false positive about 1% of the time) reads the table as before.
 *
 * Two Bloom filters, one per generation of `generationEntries` log indexes: ids go into the current
 * one, lookups ask both, and moving to a new generation drops the older. An id added at index i
 * therefore stays until index i + generationEntries at least, which the owner makes longer than an
 * id can stay in the table (its retention plus the sweep's granularity). The filter only decides
 * whether to read: it is local to the replica, and what a command does still depends on the table
 * alone, so replicas stay deterministic whatever their filters hold.
 */
import type { Index } from '../../raft/types.js'

/** Bits per id the filter is sized for: about 1% false positives with 7 probes. */
const BITS_PER_ID = 10
const PROBES = 7

export class RequestIdFilter {
  private readonly bits: number
  private current: Uint32Array
  private previous: Uint32Array
  private generation = 0

  constructor(private readonly generationEntries: number) {
    if (!Number.isSafeInteger(generationEntries) || generationEntries < 1) {
      throw new Error(`RequestIdFilter: generationEntries must be a positive integer, got ${generationEntries}`)
    }
    // A whole number of 32-bit words.
    this.bits = Math.ceil((generationEntries * BITS_PER_ID) / 32) * 32
    this.current = new Uint32Array(this.bits / 32)
    this.previous = new Uint32Array(this.bits / 32)
  }

  /** Records `requestId`, applied at `index` (indexes only grow). */
  add(requestId: string, index: Index): void {
    this.advanceTo(index)
    const [h1, h2] = hashes(requestId)
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + i * h2) % this.bits
      this.current[bit >>> 5]! |= 1 << (bit & 31)
    }
  }

  /** False only if `requestId` was never added within the last generationEntries indexes. */
  mayContain(requestId: string): boolean {
    const [h1, h2] = hashes(requestId)
    return this.has(this.current, h1, h2) || this.has(this.previous, h1, h2)
  }

  private has(words: Uint32Array, h1: number, h2: number): boolean {
    for (let i = 0; i < PROBES; i++) {
      const bit = (h1 + i * h2) % this.bits
      if ((words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false
    }
    return true
  }

  private advanceTo(index: Index): void {
    const generation = Math.floor(index / this.generationEntries)
    if (generation <= this.generation) return
    if (generation === this.generation + 1) {
      // The older generation's words are reused, cleared, for the new one.
      const reused = this.previous.fill(0)
      this.previous = this.current
      this.current = reused
    } else {
      this.previous.fill(0)
      this.current.fill(0)
    }
    this.generation = generation
  }
}

/** Two 32-bit hashes of the string's UTF-16 units (FNV-1a, and a multiply-xorshift), the second odd. */
function hashes(text: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x9747b28c
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
    b ^= b >>> 13
  }
  return [a >>> 0, (b | 1) >>> 0]
}
