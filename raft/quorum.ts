import type { Index, NodeId } from './types.js'

/** Majority arithmetic over a set of voters. Learners are never passed in here. */

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1
}

/** Reused by quorumIndex, which runs on every acknowledgement: nothing is allocated per call. */
const reachedScratch: Index[] = []

/**
 * The highest index that a majority of `voters` has reached. With no voters nothing can be
 * committed, so the answer is 0. Sorting a copy on every acknowledgement was a twentieth of a
 * leader's allocation per put: this asks each voter once and sorts into a reused array instead.
 */
export function quorumIndex(voters: readonly NodeId[], reached: (id: NodeId) => Index): Index {
  if (voters.length === 0) return 0
  reachedScratch.length = 0
  for (const id of voters) {
    const index = reached(id)
    // Insertion, highest first: groups are a handful of voters.
    let at = reachedScratch.length
    reachedScratch.push(index)
    for (; at > 0 && (reachedScratch[at - 1] ?? 0) < index; at--) reachedScratch[at] = reachedScratch[at - 1] ?? 0
    reachedScratch[at] = index
  }
  return reachedScratch[majority(voters.length) - 1] ?? 0
}

export type VoteOutcome = 'won' | 'lost' | 'pending'

/** Tallies granted and rejected votes; voters that have not answered may still swing it. */
export function tallyVotes(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteOutcome {
  let granted = 0
  let rejected = 0
  for (const id of voters) {
    const vote = votes.get(id)
    if (vote === true) granted++
    else if (vote === false) rejected++
  }
  const need = majority(voters.length)
  if (granted >= need) return 'won'
  if (voters.length - rejected < need) return 'lost'
  return 'pending'
}

/** True iff the voters for which `holds` is true form a majority. */
export function hasQuorum(voters: readonly NodeId[], holds: (id: NodeId) => boolean): boolean {
  if (voters.length === 0) return false
  return voters.filter(holds).length >= majority(voters.length)
}
