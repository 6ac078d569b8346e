import fc from 'fast-check'
import t from 'tap'
import { hasQuorum, majority, quorumIndex } from '../../raft/quorum.js'

/** The definition: sort what the voters reached, highest first, and take the majority-th value. */
function sortedQuorumIndex(reached: readonly number[]): number {
  if (reached.length === 0) return 0
  return [...reached].sort((a, b) => b - a)[majority(reached.length) - 1] ?? 0
}

t.test('quorumIndex is the majority-th highest index a voter reached', async (t) => {
  const voterIndexes = fc.array(fc.nat({ max: 20 }), { minLength: 0, maxLength: 7 })
  // One assertion for the whole run: fast-check reports the smallest counterexample.
  t.doesNotThrow(() =>
    fc.assert(
      fc.property(voterIndexes, (reached) => {
        const voters = reached.map((_, i) => `v${i}`)
        const byVoter = new Map(voters.map((id, i) => [id, reached[i] ?? 0]))
        const index = quorumIndex(voters, (id) => byVoter.get(id) ?? 0)
        // The sorted definition, and whatever it answers a majority reached.
        return index === sortedQuorumIndex(reached) && (index === 0 || hasQuorum(voters, (id) => (byVoter.get(id) ?? 0) >= index))
      }),
      { numRuns: 500 },
    ),
  )
})

t.test('three voters: the middle index; no voters: nothing', async (t) => {
  const reached = new Map([['a', 9], ['b', 4], ['c', 7]])
  t.equal(quorumIndex(['a', 'b', 'c'], (id) => reached.get(id) ?? 0), 7)
  t.equal(quorumIndex([], () => 5), 0)
})
