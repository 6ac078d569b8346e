/**
 * The set of operations linearized so far, as a bitset over operation indices.
 *
 * Operations are either required (they returned, so they must be linearized) or optional (they
 * may never have happened). The hash covers only the required members (Zobrist style: the xor of
 * a fixed well-mixed word per member, kept up to date on every change), so configurations that
 * differ only in optional members land in the same memo bucket, where `covers` finds the ones
 * a configuration is subsumed by.
 */
export class LinearizedSet {
  readonly words: Uint32Array
  private readonly optionalWords: Uint32Array
  private currentHash = 0

  constructor(optional: readonly boolean[]) {
    this.words = new Uint32Array(Math.ceil(optional.length / 32))
    this.optionalWords = new Uint32Array(this.words.length)
    optional.forEach((isOptional, index) => {
      if (isOptional) this.optionalWords[index >>> 5] = (this.optionalWords[index >>> 5] ?? 0) | (1 << (index & 31))
    })
  }

  /** Covers the required members only. */
  get hash(): number {
    return this.currentHash
  }

  add(index: number): void {
    const word = index >>> 5
    this.words[word] = (this.words[word] ?? 0) | (1 << (index & 31))
    if (!this.isOptional(index)) this.currentHash ^= memberHash(index)
  }

  remove(index: number): void {
    const word = index >>> 5
    this.words[word] = (this.words[word] ?? 0) & ~(1 << (index & 31))
    if (!this.isOptional(index)) this.currentHash ^= memberHash(index)
  }

  /**
   * True when this set is `other` plus optional members only. From the same model state, `other`
   * can then do everything this set can (the extra optional operations may simply be left out),
   * so if `other` was reached before, this one has nothing new to offer.
   */
  covers(other: Uint32Array): boolean {
    for (let i = 0; i < this.words.length; i++) {
      const mine = this.words[i] ?? 0
      const theirs = other[i] ?? 0
      if ((theirs & ~mine) !== 0) return false
      if ((mine & ~theirs & ~(this.optionalWords[i] ?? 0)) !== 0) return false
    }
    return true
  }

  copyWords(): Uint32Array {
    return this.words.slice()
  }

  private isOptional(index: number): boolean {
    return ((this.optionalWords[index >>> 5] ?? 0) & (1 << (index & 31))) !== 0
  }
}

/** A well-mixed 32-bit word per index (the murmur3 finalizer), so xors of members rarely collide. */
function memberHash(index: number): number {
  let h = Math.imul(index + 1, 0x9e3779b1)
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h | 0
}
