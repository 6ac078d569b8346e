import { coveredLengthFrom, firstEndingAfter, type Interval, type IntervalQueries, type IntervalSet } from './interval-set.js'

/**
 * Answers IntervalQueries about one set for a stream of queries that mostly move forward in time
 * (a sweep over candidate meeting times): it remembers where the last query landed and walks on
 * from there, so a sweep costs O(queries + intervals) instead of a binary search per query. A
 * query that goes back in time falls back to a binary search.
 */
export class IntervalCursor implements IntervalQueries {
  private readonly bounds: readonly number[]
  /** Even index of the first interval ending after the last query's start. */
  private index = 0
  private lastStart = Number.NEGATIVE_INFINITY

  constructor(set: IntervalSet) {
    this.bounds = set.boundaries()
  }

  overlaps(interval: Interval): boolean {
    if (interval.start >= interval.end) return false
    const i = this.seek(interval.start)
    return i < this.bounds.length && this.bounds[i]! < interval.end
  }

  overlapLength(interval: Interval): number {
    return coveredLengthFrom(this.bounds, this.seek(interval.start), interval)
  }

  private seek(start: number): number {
    if (start < this.lastStart) {
      this.index = firstEndingAfter(this.bounds, start)
    } else {
      // Walk a few steps; jump by binary search when the target is far ahead.
      let steps = 0
      while (this.index < this.bounds.length && this.bounds[this.index + 1]! <= start) {
        this.index += 2
        if (++steps === 8) {
          this.index = firstEndingAfter(this.bounds, start, this.index)
          break
        }
      }
    }
    this.lastStart = start
    return this.index
  }
}
