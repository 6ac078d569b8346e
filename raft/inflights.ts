import { assert } from './assert.js'
import type { Index } from './types.js'

/**
 * The pipelining window towards one follower: the last index of each append sent but not yet
 * acknowledged, oldest first. Bounding it bounds memory and wasted work when a follower is slow.
 */
export class Inflights {
  private readonly lastIndexes: Index[] = []

  constructor(readonly capacity: number) {
    assert(capacity >= 1, 'inflight capacity must be at least 1')
  }

  get count(): number {
    return this.lastIndexes.length
  }

  full(): boolean {
    return this.lastIndexes.length >= this.capacity
  }

  add(lastIndex: Index): void {
    assert(!this.full(), 'adding to a full inflight window')
    const newest = this.lastIndexes[this.lastIndexes.length - 1]
    assert(newest === undefined || lastIndex > newest, 'inflight indexes must increase')
    this.lastIndexes.push(lastIndex)
  }

  /** An acknowledgement of `index` covers every append ending at or before it. */
  freeUpTo(index: Index): void {
    let drop = 0
    while (drop < this.lastIndexes.length && (this.lastIndexes[drop] ?? Infinity) <= index) drop++
    this.lastIndexes.splice(0, drop)
  }

  /** Makes room for one more send when acknowledgements were lost (see heartbeat handling). */
  freeOldest(): void {
    this.lastIndexes.shift()
  }

  reset(): void {
    this.lastIndexes.length = 0
  }
}
