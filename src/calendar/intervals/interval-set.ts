import { CalendarInputError } from '../calendar-input-error.js'

/** A half-open span of time [start, end) in UTC milliseconds since the epoch. */
export interface Interval {
  readonly start: number
  readonly end: number
}

/** The read-only questions a scheduler asks of busy or working time. */
export interface IntervalQueries {
  /** Whether some instant of `interval` lies in the set. */
  overlaps(interval: Interval): boolean
  /** Length of the part of `interval` that lies in the set. */
  overlapLength(interval: Interval): number
}

/**
 * Index (into a flat boundary list, always even) of the first interval whose end is after `ms`,
 * searching from even index `from` on; binary search.
 */
export function firstEndingAfter(bounds: readonly number[], ms: number, from = 0): number {
  let lo = from / 2
  let hi = bounds.length / 2
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (bounds[2 * mid + 1]! <= ms) lo = mid + 1
    else hi = mid
  }
  return 2 * lo
}

/** Length of `interval` covered by the intervals of `bounds` from even index `from` on. */
export function coveredLengthFrom(bounds: readonly number[], from: number, interval: Interval): number {
  let total = 0
  for (let i = from; i < bounds.length; i += 2) {
    const start = bounds[i]!
    if (start >= interval.end) break
    total += Math.min(bounds[i + 1]!, interval.end) - Math.max(start, interval.start)
  }
  return total
}

/**
 * An immutable set of instants, kept in normal form: sorted, disjoint, non-empty and
 * non-touching half-open intervals. Because the form is canonical, two sets that contain the
 * same instants have the same boundaries, so `equals` is a plain comparison.
 *
 * The boundaries are stored flat ([s0, e0, s1, e1, ...]) so that the set operations are one
 * linear merge over two sorted arrays.
 */
export class IntervalSet implements IntervalQueries {
  static readonly empty = new IntervalSet([])

  private constructor(private readonly bounds: readonly number[]) {}

  /** Builds the set covering every given interval; empty intervals are ignored. */
  static of(intervals: Iterable<Interval>, field = 'intervals'): IntervalSet {
    const sorted = [...intervals]
    sorted.forEach((interval, index) => requireInterval(interval, `${field}[${index}]`))
    sorted.sort((a, b) => a.start - b.start)
    const bounds: number[] = []
    for (const { start, end } of sorted) {
      if (start === end) continue
      const lastEnd = bounds[bounds.length - 1]
      if (lastEnd !== undefined && start <= lastEnd) {
        if (end > lastEnd) bounds[bounds.length - 1] = end
      } else {
        bounds.push(start, end)
      }
    }
    return new IntervalSet(bounds)
  }

  static span(start: number, end: number, field = 'interval'): IntervalSet {
    return IntervalSet.of([{ start, end }], field)
  }

  /** The union of many sets in one pass (cheaper than folding `union`). */
  static unionAll(sets: Iterable<IntervalSet>): IntervalSet {
    const all: Interval[] = []
    for (const set of sets) all.push(...set.intervals())
    return IntervalSet.of(all)
  }

  get isEmpty(): boolean {
    return this.bounds.length === 0
  }

  /** Number of disjoint intervals. */
  get count(): number {
    return this.bounds.length / 2
  }

  intervals(): Interval[] {
    const out: Interval[] = []
    for (let i = 0; i < this.bounds.length; i += 2) {
      out.push({ start: this.bounds[i]!, end: this.bounds[i + 1]! })
    }
    return out
  }

  /** The flat, sorted boundary list [s0, e0, s1, e1, ...]; used by sweeps that walk many sets. */
  boundaries(): readonly number[] {
    return this.bounds
  }

  union(other: IntervalSet): IntervalSet {
    return IntervalSet.combine(this, other, (a, b) => a || b)
  }

  intersect(other: IntervalSet): IntervalSet {
    return IntervalSet.combine(this, other, (a, b) => a && b)
  }

  subtract(other: IntervalSet): IntervalSet {
    return IntervalSet.combine(this, other, (a, b) => a && !b)
  }

  /** Every instant of `window` that is not in this set. */
  complement(window: Interval): IntervalSet {
    return IntervalSet.span(window.start, window.end, 'window').subtract(this)
  }

  /** The part of this set inside `window`. */
  clip(window: Interval): IntervalSet {
    return this.intersect(IntervalSet.span(window.start, window.end, 'window'))
  }

  totalLength(): number {
    let total = 0
    for (let i = 0; i < this.bounds.length; i += 2) total += this.bounds[i + 1]! - this.bounds[i]!
    return total
  }

  /** Whether the instant `ms` lies in the set. */
  containsInstant(ms: number): boolean {
    const i = this.firstEndingAfter(ms)
    return i < this.bounds.length && this.bounds[i]! <= ms
  }

  /** Whether every instant of `interval` lies in the set (an empty interval is always contained). */
  containsInterval(interval: Interval): boolean {
    if (interval.start >= interval.end) return true
    const i = this.firstEndingAfter(interval.start)
    return i < this.bounds.length && this.bounds[i]! <= interval.start && this.bounds[i + 1]! >= interval.end
  }

  /** Whether some instant of `interval` lies in the set. */
  overlaps(interval: Interval): boolean {
    if (interval.start >= interval.end) return false
    const i = this.firstEndingAfter(interval.start)
    return i < this.bounds.length && this.bounds[i]! < interval.end
  }

  /** Length of the part of `interval` that lies in the set. */
  overlapLength(interval: Interval): number {
    return coveredLengthFrom(this.bounds, this.firstEndingAfter(interval.start), interval)
  }

  equals(other: IntervalSet): boolean {
    return this.bounds.length === other.bounds.length && this.bounds.every((b, i) => b === other.bounds[i])
  }

  /**
   * The one sweep behind union, intersection and difference: walk both boundary lists in order
   * and emit a boundary wherever `keep(inA, inB)` changes value. Emitting only on change keeps
   * the output in normal form (touching pieces are joined, empty ones never appear).
   */
  private static combine(a: IntervalSet, b: IntervalSet, keep: (inA: boolean, inB: boolean) => boolean): IntervalSet {
    const ab = a.bounds
    const bb = b.bounds
    const out: number[] = []
    let i = 0
    let j = 0
    let inside = false
    while (i < ab.length || j < bb.length) {
      const x = i < ab.length ? ab[i]! : Infinity
      const y = j < bb.length ? bb[j]! : Infinity
      const at = Math.min(x, y)
      // Advance past every boundary at this instant in both lists before deciding.
      while (i < ab.length && ab[i] === at) i++
      while (j < bb.length && bb[j] === at) j++
      // An odd index means we are inside an interval of that list.
      const now = keep(i % 2 === 1, j % 2 === 1)
      if (now !== inside) {
        out.push(at)
        inside = now
      }
    }
    return out.length === 0 ? IntervalSet.empty : new IntervalSet(out)
  }

  private firstEndingAfter(ms: number): number {
    return firstEndingAfter(this.bounds, ms)
  }
}

function requireInterval(interval: Interval, field: string): void {
  const { start, end } = interval
  if (!Number.isFinite(start) || !Number.isFinite(end)) {
    throw new CalendarInputError(field, `${field}: start and end must be finite numbers of milliseconds (got ${start}, ${end})`)
  }
  if (end < start) {
    throw new CalendarInputError(field, `${field}: end ${end} is before start ${start}`)
  }
}
