/**
 * The chaos harness's only source of randomness: everything it decides (fault times, targets,
 * jitter, duplication) is drawn from one of these, so a seed replays a run's decisions.
 *
 * The generator is a Weyl sequence (a counter stepped by the golden-ratio constant) passed
 * through the murmur3 32-bit finalizer: tiny, fast, and well mixed for test decisions (not for
 * cryptography).
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number
  /** Uniform integer in [min, max], both inclusive. */
  int(min: number, max: number): number
  /** Uniform real in [min, max). */
  between(min: number, max: number): number
  chance(probability: number): boolean
  pick<T>(items: readonly T[]): T
  /** A shuffled copy. */
  shuffle<T>(items: readonly T[]): T[]
}

export class SeededRandom implements Random {
  private counter: number

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`random seed must be an integer, got ${seed}`)
    // Fold the high bits in, so seeds that differ only above bit 32 still differ.
    this.counter = (seed ^ Math.floor(seed / 0x1_0000_0000)) | 0
  }

  next(): number {
    this.counter = (this.counter + 0x9e3779b9) | 0
    let z = this.counter
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    z ^= z >>> 16
    return (z >>> 0) / 0x1_0000_0000
  }

  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new RangeError(`random int range [${min}, ${max}] is not a range of integers`)
    }
    return min + Math.floor(this.next() * (max - min + 1))
  }

  between(min: number, max: number): number {
    return min + this.next() * (max - min)
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('cannot pick from an empty list')
    return items[this.int(0, items.length - 1)] as T
  }

  shuffle<T>(items: readonly T[]): T[] {
    const result = [...items]
    for (let i = result.length - 1; i > 0; i--) {
      const j = this.int(0, i)
      const swap = result[i] as T
      result[i] = result[j] as T
      result[j] = swap
    }
    return result
  }
}
