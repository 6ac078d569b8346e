/**
 * Seeded pseudo-random numbers for the simulator: xoshiro128** seeded through splitmix32. All
 * arithmetic is 32-bit integer math, so a seed gives the same stream on every platform and run.
 */

function splitmix32(state: number): { value: number; state: number } {
  const next = (state + 0x9e3779b9) | 0
  let z = next
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
  z ^= z >>> 16
  return { value: z >>> 0, state: next }
}

/** FNV-1a over a string: turns labels such as node ids into seed material. */
export function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export class Prng {
  private s0: number
  private s1: number
  private s2: number
  private s3: number

  constructor(seed: number) {
    let state = seed | 0
    const words: number[] = []
    for (let i = 0; i < 4; i++) {
      const step = splitmix32(state)
      state = step.state
      words.push(step.value)
    }
    // xoshiro must not start from the all-zero state.
    this.s0 = words[0] ?? 1
    this.s1 = words[1] ?? 2
    this.s2 = words[2] ?? 3
    this.s3 = words[3] ?? 4
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1
  }

  /** An independent stream derived from this one's seed material and a label. */
  fork(label: string): Prng {
    return new Prng((this.nextUint32() ^ hashString(label)) | 0)
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0
    const t = this.s1 << 9
    this.s2 ^= this.s0
    this.s3 ^= this.s1
    this.s1 ^= this.s2
    this.s0 ^= this.s3
    this.s2 ^= t
    this.s3 = rotl(this.s3, 11)
    return result
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000
  }

  /** Uniform integer in [0, bound). */
  int(bound: number): number {
    if (!Number.isInteger(bound) || bound <= 0) throw new Error(`Prng.int: bound must be a positive integer, got ${bound}`)
    return Math.floor(this.next() * bound)
  }

  /** Uniform integer in [low, high] inclusive. */
  between(low: number, high: number): number {
    if (high < low) throw new Error(`Prng.between: empty range [${low}, ${high}]`)
    return low + this.int(high - low + 1)
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Prng.pick: no items to pick from')
    return items[this.int(items.length)] as T
  }

  shuffle<T>(items: readonly T[]): T[] {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const a = out[i] as T
      out[i] = out[j] as T
      out[j] = a
    }
    return out
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k))
}
