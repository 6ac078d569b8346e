import t from 'tap'
import { RaftNode, type Entry, type Message, type VoteRequest } from '../../raft/index.js'
import { InMemoryCluster, testConfig } from './in-memory-cluster.js'

const fresh = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], applied: 0 }

t.test('a single voter elects itself and commits its noop', async (t) => {
  const c = new InMemoryCluster(['a'])
  c.elect('a')
  const s = c.node('a').status()
  t.equal(s.role, 'leader')
  t.equal(s.term, 1)
  t.equal(s.commit, 1)
  t.same(c.applied.get('a'), ['noop'])
})

t.test('three nodes elect one leader; followers learn it and apply the noop', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  for (const id of ['a', 'b', 'c']) {
    const s = c.node(id).status()
    t.equal(s.leader, 'a', `${id} knows the leader`)
    t.equal(s.term, 1)
    t.equal(s.commit, 1)
  }
  t.equal(c.node('b').status().role, 'follower')
})

t.test('election timeout is drawn from [electionTicks, 2*electionTicks) using config.random', async (t) => {
  for (const [r, expected] of [
    [0, 10],
    [0.5, 15],
    [0.9999, 19],
  ] as const) {
    const n = new RaftNode(testConfig('a', { random: () => r, preVote: false }), { ...fresh, conf: { voters: ['a', 'b', 'c'], learners: [] } })
    let ticks = 0
    while (n.status().role === 'follower' && ticks < 100) {
      n.tick()
      ticks++
    }
    t.equal(ticks, expected, `random ${r} campaigns after ${expected} ticks`)
    t.equal(n.status().role, 'candidate')
  }
})

t.test('PreVote: an isolated node does not inflate its term, and rejoining does not depose the leader', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.isolate('c')
  for (let i = 0; i < 100; i++) {
    c.tick('c')
    c.stabilize()
  }
  t.equal(c.node('c').status().term, 1, 'term unchanged after many timeouts')
  t.equal(c.node('c').status().role, 'preCandidate')
  c.heal()
  c.tickAll(30)
  t.equal(c.node('a').status().role, 'leader', 'leader kept')
  t.equal(c.node('a').status().term, 1)
  t.equal(c.node('c').status().leader, 'a', 'rejoined node follows the leader')
})

t.test('without PreVote an isolated node inflates its term; CheckQuorum followers ignore its votes', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { preVote: false })
  c.elect('a')
  c.isolate('c')
  for (let i = 0; i < 40; i++) {
    c.tick('c')
    c.stabilize()
  }
  const inflated = c.node('c').status().term
  t.ok(inflated > 1, 'term inflated')
  // c's vote request reaches b, which heard from the leader recently: ignored, no term change.
  c.heal()
  c.node('b').step({ type: 'vote', from: 'c', to: 'b', term: inflated + 1, lastLogIndex: 1, lastLogTerm: 1, transfer: false })
  c.processAll()
  t.equal(c.node('b').status().term, 1)
  t.same(c.sent((m) => m.from === 'b' && m.type === 'voteResponse'), [], 'no answer to a disruptive vote')
})

t.test('CheckQuorum: a leader that loses its quorum steps down after an election timeout', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.isolate('a')
  for (let i = 0; i < 25; i++) {
    c.tick('a')
    c.stabilize()
  }
  t.equal(c.node('a').status().role, 'follower')
  t.equal(c.node('a').status().term, 1, 'stepping down does not change the term')
})

t.test('the majority side elects a new leader; the old leader steps down when the partition heals', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { checkQuorum: false, preVote: false })
  c.elect('a')
  c.isolate('a')
  c.elect('b')
  t.equal(c.node('b').status().term, 2)
  t.equal(c.node('a').status().role, 'leader', 'old leader still thinks it leads')
  c.heal()
  c.tickAll(3)
  t.equal(c.node('a').status().role, 'follower')
  t.equal(c.node('a').status().leader, 'b')
})

t.test('a vote is granted at most once per term, and only to an up-to-date log', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { checkQuorum: false, preVote: false })
  const b = c.node('b')
  const vote = (from: string, term: number, lastLogIndex: number, lastLogTerm: number): VoteRequest => ({
    type: 'vote', from, to: 'b', term, lastLogIndex, lastLogTerm, transfer: false,
  })
  b.step(vote('a', 1, 0, 0))
  b.step(vote('c', 1, 0, 0))
  b.step(vote('a', 1, 0, 0)) // a retransmission is answered the same way
  c.process('b')
  const answers = c.take((m) => m.type === 'voteResponse')
  t.same(answers.map((m) => [m.to, m.type === 'voteResponse' && m.granted]), [['a', true], ['c', false], ['a', true]])
  t.same(c.store('b').hardState.vote, 'a', 'the vote was persisted')

  c.elect('b')
  c.propose('b', 'x')
  c.stabilize()
  const a = c.node('a')
  const term = a.status().term
  a.step({ type: 'vote', from: 'c', to: 'a', term: term + 1, lastLogIndex: 1, lastLogTerm: term, transfer: false })
  c.process('a')
  const [answer] = c.take((m) => m.type === 'voteResponse' && m.from === 'a')
  t.equal(answer?.type === 'voteResponse' && answer.granted, false, 'stale log gets no vote')
})

t.test('the vote grant leaves only in a Ready that persists the vote', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
  c.tick('a', 20)
  c.processAll()
  for (const m of c.take((m) => m.to === 'b')) c.deliver(m)
  const rd = c.node('b').ready()
  t.match(rd.hardState, { term: 1, vote: 'a' })
  t.match(rd.messages, [{ type: 'voteResponse', granted: true, to: 'a' }])
})

t.test('step never throws on malformed, stale or foreign messages', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.propose('a', 'x')
  c.stabilize()
  const junk: unknown[] = [
    { type: 'append', from: 'z', to: 'b', term: 1, prevLogIndex: 99, prevLogTerm: 1, entries: [], commit: 99 },
    { type: 'append', from: 'a', to: 'b', term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [{ kind: 'noop', term: 1, index: 7 }], commit: 5 },
    { type: 'append', from: 'a', to: 'b', term: 1, prevLogIndex: -1, prevLogTerm: 0, entries: [], commit: 0 },
    { type: 'append', from: 'a', to: 'b', term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: 'nope', commit: 0 },
    { type: 'appendResponse', from: 'b', to: 'a', term: 1, index: 1e9, reject: false, hintIndex: 0, hintTerm: 0 },
    { type: 'appendResponse', from: 'q', to: 'a', term: 1, index: 1, reject: true, hintIndex: 1e9, hintTerm: 1e9 },
    { type: 'snapshotResponse', from: 'b', to: 'a', term: 1, snapshotIndex: 5, nextOffset: 3, reject: true, done: false },
    { type: 'heartbeat', from: 'a', to: 'b', term: 0, commit: 1e9, readContext: null },
    { type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 1e9, readContext: 'x' },
    { type: 'readIndexResponse', from: 'a', to: 'b', term: 1, context: 'unknown', index: 3 },
    { type: 'vote', from: 'b', to: 'b', term: 9, lastLogIndex: 0, lastLogTerm: 0, transfer: false },
    { type: 'bogus', from: 'a', to: 'b', term: 1 },
    { type: 'vote', from: 'c', to: 'b', term: Number.NaN, lastLogIndex: 0, lastLogTerm: 0, transfer: false },
  ]
  for (const m of junk) {
    for (const id of ['a', 'b']) t.doesNotThrow(() => c.node(id).step({ ...(m as Message), to: id }))
  }
  c.stabilize()
  c.tickAll(5)
  t.equal(c.node('a').status().role, 'leader')
  t.equal(c.node('b').status().commit, 2)
})

t.test('lease on (pre-)votes: refused while the leader was heard from recently, granted after', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  const b = c.node('b')
  const preVote: Message = { type: 'preVote', from: 'c', to: 'b', term: 2, lastLogIndex: 1, lastLogTerm: 1 }
  b.step(preVote)
  c.process('b')
  t.match(c.take((m) => m.from === 'b'), [{ type: 'preVoteResponse', granted: false, term: 1 }], 'in lease: refused, in its own term')
  c.isolate('a')
  for (let i = 0; i < 10; i++) b.tick()
  b.step(preVote)
  c.process('b')
  t.match(c.take((m) => m.from === 'b' && m.type === 'preVoteResponse'), [{ granted: true, term: 2 }], 'lease over: granted')
  t.equal(b.status().term, 1, 'a pre-vote never changes the term')
})

t.test('a transfer vote is granted even inside the lease', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  const b = c.node('b')
  b.step({ type: 'vote', from: 'c', to: 'b', term: 2, lastLogIndex: 1, lastLogTerm: 1, transfer: false })
  c.process('b')
  t.same(c.take((m) => m.from === 'b' && m.type === 'voteResponse'), [], 'ordinary vote ignored')
  b.step({ type: 'vote', from: 'c', to: 'b', term: 2, lastLogIndex: 1, lastLogTerm: 1, transfer: true })
  c.process('b')
  t.match(c.take((m) => m.from === 'b' && m.type === 'voteResponse'), [{ granted: true, term: 2 }])
})

t.test('a pre-candidate refused by a replica in a newer term adopts that term, so its better log can win', async (t) => {
  // a and b hold the longer log in term 1; c and d moved on to term 2 with a shorter log. Pre-votes
  // of a or b (proposing term 2) are refused by c and d, which are already in term 2.
  const long: Entry[] = [1, 2, 3].map((index) => ({ kind: 'noop', term: 1, index }))
  const conf = { voters: ['a', 'b', 'c', 'd'], learners: [] }
  const config = { checkQuorum: true, preVote: true }
  const a = new RaftNode(testConfig('a', config), { ...fresh, hardState: { term: 1, vote: null, commit: 1 }, entries: long, applied: 1, conf })
  a.step({ type: 'preVoteResponse', from: 'c', to: 'a', term: 1, granted: false }) // not a pre-candidate: ignored
  for (let i = 0; i < 20 && a.status().role === 'follower'; i++) a.tick()
  t.equal(a.status().role, 'preCandidate')
  t.match(a.ready().messages.filter((m) => m.type === 'preVote'), [{ term: 2 }, { term: 2 }, { term: 2 }])
  a.step({ type: 'preVoteResponse', from: 'c', to: 'a', term: 2, granted: false })
  t.match(a.status(), { role: 'follower', term: 2 }, 'caught up with the term of the refusal')
  for (let i = 0; i < 40 && a.status().role === 'follower'; i++) a.tick()
  const rd = a.ready()
  t.match(rd.messages.filter((m) => m.type === 'preVote'), [{ term: 3 }, { term: 3 }, { term: 3 }], 'the next pre-vote proposes term 3, which c and d can grant')
})
