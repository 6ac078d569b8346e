import type { LinearizedSet } from './linearized-set.js'
import type { SequentialModel } from './sequential-model.js'

/**
 * Configurations (linearized set, model state) the search has already reached. Reaching one
 * again by another order of the same operations cannot lead anywhere new, so the search prunes
 * it: this is the memoization that makes Wing & Gong's search practical (Lowe, 2017).
 *
 * Beyond equality, a configuration is also pruned when it is subsumed: same state, and the set
 * of one reached before plus only operations that may never have happened. Without this, every
 * timed-out write would double the configurations for the rest of its key's history (it can be
 * linearized at any later point, or not at all).
 */
export class ConfigurationMemo<State> {
  private readonly buckets = new Map<number, Array<{ readonly words: Uint32Array; readonly state: State }>>()

  constructor(private readonly model: Pick<SequentialModel<State, unknown>, 'equal' | 'hash'>) {}

  /** Records the configuration; false when it was already there or is subsumed by one that is. */
  addIfNew(linearized: LinearizedSet, state: State): boolean {
    const key = (linearized.hash ^ Math.imul(this.model.hash(state), 0x27d4eb2f)) | 0
    const bucket = this.buckets.get(key)
    if (bucket === undefined) {
      this.buckets.set(key, [{ words: linearized.copyWords(), state }])
      return true
    }
    for (const seen of bucket) {
      if (linearized.covers(seen.words) && this.model.equal(seen.state, state)) return false
    }
    bucket.push({ words: linearized.copyWords(), state })
    return true
  }
}
