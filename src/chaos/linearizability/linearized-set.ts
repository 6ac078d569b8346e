/**
 * The set of operations linearized so far, as a bitset over operation indices, with a hash kept
 * up to date on every change (Zobrist style: the xor of a fixed random-looking word per member),
 * so the memo table can look a configuration up without rescanning the words.
 */
export class LinearizedSet {
  readonly words: Uint32Array
  private currentHash = 0

  constructor(size: number) {
    this.words = new Uint32Array(Math.ceil(size / 32))
  }

  get hash(): number {
    return this.currentHash
  }

  add(index: number): void {
    const word = index >>> 5
    this.words[word] = (this.words[word] ?? 0) | (1 << (index & 31))
    this.currentHash ^= memberHash(index)
  }

  remove(index: number): void {
    const word = index >>> 5
    this.words[word] = (this.words[word] ?? 0) & ~(1 << (index & 31))
    this.currentHash ^= memberHash(index)
  }

  sameMembers(words: Uint32Array): boolean {
    for (let i = 0; i < this.words.length; i++) {
      if (this.words[i] !== words[i]) return false
    }
    return true
  }

  copyWords(): Uint32Array {
    return this.words.slice()
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
