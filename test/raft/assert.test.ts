import t from 'tap'
import { assert, RaftInvariantError } from '../../raft/assert.js'

t.test('a failed assertion names the invariant with its values filled in', async (t) => {
  t.throws(() => assert(false, 'commit {0} beyond last index {1}', 7, 5), new RaftInvariantError('raft invariant violated: commit 7 beyond last index 5'))
  t.throws(() => assert(false, 'becoming leader from {0}', 'follower'), { message: 'raft invariant violated: becoming leader from follower' })
  t.throws(() => assert(false, 'a leader must name itself as leader'), { name: 'RaftInvariantError', message: 'raft invariant violated: a leader must name itself as leader' })
})

t.test('a holding assertion does nothing', async (t) => {
  t.doesNotThrow(() => assert(true, 'never {0}', 1))
})
