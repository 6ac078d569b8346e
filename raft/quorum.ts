import type { Index, NodeId } from './types.js'

/** Majority arithmetic over a set of voters. Learners are never passed in here. */

export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1
}

/**
 * The highest index that a majority of `voters` has reached. With no voters nothing can be
 * committed, so the answer is 0.
 *
 * Asked on every acknowledgement, so it allocates nothing (sorting a copy was a twentieth of a
 * leader's allocation per put): a candidate index is the answer if at least a majority reached
 * it, and the answer is the highest such candidate. Quadratic, for groups of a handful of voters.
 */
export function quorumIndex(voters: readonly NodeId[], reached: (id: NodeId) => Index): Index {
  const need = majority(voters.length)
  let best = 0
  for (const candidate of voters) {
    const index = reached(candidate)
    if (index <= best) continue
    let atLeast = 0
    for (const voter of voters) if (reached(voter) >= index) atLeast++
    if (atLeast >= need) best = index
  }
  return best
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
