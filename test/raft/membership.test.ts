import t from 'tap'
import { RaftNode, type Entry } from '../../raft/index.js'
import { InMemoryCluster, testConfig, text } from './in-memory-cluster.js'

const conf3 = { voters: ['a', 'b', 'c'], learners: [] }

/** a wins an election but its noop reaches nobody yet. */
function freshLeaderWithoutCommit(): InMemoryCluster {
  const c = new InMemoryCluster(['a', 'b', 'c'], { preVote: false })
  const a = c.node('a')
  for (let i = 0; i < 20 && a.status().role !== 'candidate'; i++) a.tick()
  c.processAll()
  for (const m of c.take((m) => m.type === 'vote')) c.deliver(m)
  c.processAll()
  for (const m of c.take((m) => m.type === 'voteResponse')) c.deliver(m)
  c.processAll()
  c.queue = []
  return c
}

t.test('a leader proposes no config change before it committed an entry of its term', async (t) => {
  const c = freshLeaderWithoutCommit()
  const a = c.node('a')
  t.equal(a.status().role, 'leader')
  t.match(a.proposeConfChange({ type: 'addLearner', node: 'd' }), { ok: false, reason: 'confChangePending', detail: /not committed an entry of its term/ })
  c.tickAll(2) // the dropped probes are retried after the next heartbeat
  t.match(a.proposeConfChange({ type: 'addLearner', node: 'd' }), { ok: true, index: 2 })
})

t.test('at most one uncommitted config change at a time; invalid changes are named', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  const a = c.node('a')
  t.match(a.proposeConfChange({ type: 'addVoter', node: 'b' }), { ok: false, reason: 'invalidConfChange', detail: 'node b is already a voter' })
  t.match(a.proposeConfChange({ type: 'promoteLearner', node: 'x' }), { ok: false, reason: 'invalidConfChange', detail: 'node x is not a learner' })
  t.match(a.proposeConfChange({ type: 'removeNode', node: 'x' }), { ok: false, reason: 'invalidConfChange', detail: 'node x is not a member' })
  t.match(a.proposeConfChange({ type: 'addVoter', node: '' }), { ok: false, reason: 'invalidConfChange', detail: /non-empty/ })
  t.match(a.proposeConfChange({ type: 'addLearner', node: 'd' }), { ok: true })
  t.same(a.status().conf, { voters: ['a', 'b', 'c'], learners: ['d'] }, 'takes effect on append')
  t.match(a.proposeConfChange({ type: 'addLearner', node: 'e' }), { ok: false, reason: 'confChangePending' })
  c.stabilize()
  t.match(a.proposeConfChange({ type: 'addLearner', node: 'e' }), { ok: true })
})

t.test('the last voter cannot be removed', async (t) => {
  const c = new InMemoryCluster(['a'])
  c.elect('a')
  t.match(c.node('a').proposeConfChange({ type: 'removeNode', node: 'a' }), { ok: false, reason: 'invalidConfChange', detail: 'node a is the last voter' })
})

t.test('a learner receives the log but never votes, campaigns or counts toward commit', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.addBlankNode('d', conf3)
  c.node('a').proposeConfChange({ type: 'addLearner', node: 'd' })
  c.propose('a', 'x')
  c.stabilize()
  c.tickAll(2)
  t.same(c.applied.get('d'), ['noop', 'addLearner', 'x'].map((k) => (k === 'addLearner' ? 'config' : k)))
  t.same(c.node('d').status().conf, { voters: ['a', 'b', 'c'], learners: ['d'] })
  // Only a and the learner are reachable: nothing new can commit.
  c.isolate('b')
  c.isolate('c')
  const before = c.node('a').status().commit
  c.propose('a', 'y')
  c.stabilize()
  t.equal(c.node('a').status().commit, before, 'a learner ack is not a quorum')
  t.equal(c.node('d').status().lastIndex, before + 1, 'but the learner has the entry')
  // A learner does not campaign, even when it hears from no leader at all.
  c.isolate('d')
  for (let i = 0; i < 60; i++) c.node('d').tick()
  c.processAll()
  t.equal(c.node('d').status().role, 'follower')
  t.same(c.sent((m) => m.from === 'd' && (m.type === 'vote' || m.type === 'preVote')), [])
})

t.test('promoting a learner makes it a voter that can be elected', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.addBlankNode('d', conf3)
  c.node('a').proposeConfChange({ type: 'addLearner', node: 'd' })
  c.stabilize()
  t.match(c.node('a').proposeConfChange({ type: 'promoteLearner', node: 'd' }), { ok: true })
  c.stabilize()
  c.tickAll(2)
  t.same(c.node('d').status().conf, { voters: ['a', 'b', 'c', 'd'], learners: [] })
  c.isolate('a')
  for (const id of ['b', 'c']) for (let i = 0; i < 10; i++) c.node(id).tick() // leases run out
  c.elect('d')
  t.equal(c.node('d').status().role, 'leader')
})

t.test('adding a voter directly, then removing a follower', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.addBlankNode('d', conf3)
  t.match(c.node('a').proposeConfChange({ type: 'addVoter', node: 'd' }), { ok: true })
  c.stabilize()
  c.tickAll(2)
  t.equal(c.node('d').status().commit, c.node('a').status().commit)
  t.match(c.node('a').proposeConfChange({ type: 'removeNode', node: 'c' }), { ok: true })
  c.stabilize()
  t.same(Object.keys(c.node('a').status().progress ?? {}).sort(), ['b', 'd'])
  // With voters a, b, d a write commits without c.
  c.isolate('c')
  c.propose('a', 'z')
  c.stabilize()
  c.tickAll(2)
  t.equal(c.applied.get('b')?.at(-1), 'z')
})

t.test('a removed leader steps down once its removal commits, and never campaigns again', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  t.match(c.node('a').proposeConfChange({ type: 'removeNode', node: 'a' }), { ok: true })
  c.stabilize()
  t.equal(c.node('a').status().role, 'follower')
  t.same(c.node('b').status().conf, { voters: ['b', 'c'], learners: [] })
  t.equal(c.node('b').status().commit, c.node('a').status().commit, 'the others learned the commit')
  c.tickAll(40)
  const leader = ['b', 'c'].find((id) => c.node(id).status().role === 'leader')
  t.ok(leader !== undefined, 'b or c took over')
  t.equal(c.node('a').status().role, 'follower')
})

t.test('an uncommitted config entry that gets truncated reverts the membership', async (t) => {
  const entries: Entry[] = [
    { kind: 'noop', term: 1, index: 1 },
    { kind: 'config', term: 1, index: 2, change: { type: 'addLearner', node: 'd' } },
  ]
  const b = new RaftNode(testConfig('b'), { hardState: { term: 1, vote: null, commit: 1 }, snapshot: null, entries, applied: 1, conf: conf3 })
  t.same(b.status().conf, { voters: ['a', 'b', 'c'], learners: ['d'] })
  b.step({ type: 'append', from: 'c', to: 'b', term: 2, prevLogIndex: 1, prevLogTerm: 1, entries: [{ kind: 'command', term: 2, index: 2, data: text('w') }], commit: 1 })
  t.same(b.status().conf, conf3, 'back to the configuration before the truncated entry')
})
