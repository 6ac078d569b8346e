import t from 'tap'
import { RaftNode, type AppendRequest, type Entry, type Message } from '../../raft/index.js'
import { InMemoryCluster, testConfig, text } from './in-memory-cluster.js'

const isAppend = (m: Message): m is AppendRequest => m.type === 'append'

t.test('proposals are replicated, committed and applied in the same order everywhere', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  for (const s of ['x', 'y', 'z']) c.propose('a', s)
  c.stabilize()
  c.tickAll(2) // a heartbeat carries the final commit index
  for (const id of ['a', 'b', 'c']) {
    t.same(c.applied.get(id), ['noop', 'x', 'y', 'z'], id)
    t.equal(c.node(id).status().commit, 4)
  }
})

t.test('a follower refuses proposals and names the leader', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  t.same(c.node('b').propose(text('x')), { ok: false, reason: 'notLeader', leader: 'a' })
})

t.test('batching: proposals between two Readies travel in one append per follower', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  for (let i = 0; i < 10; i++) c.propose('a', `p${i}`)
  c.process('a')
  const appends = c.sent(isAppend)
  t.equal(appends.length, 2, 'one per follower')
  t.same(appends.map((m) => m.entries.length), [10, 10])
})

t.test('batching respects maxBytesPerMessage (each entry ~24+10 bytes)', async (t) => {
  const c = new InMemoryCluster(['a', 'b'], { maxBytesPerMessage: 100, maxInflightMessages: 64 })
  c.elect('a')
  for (let i = 0; i < 9; i++) c.propose('a', `0123456789`)
  c.process('a')
  const sizes = c.sent(isAppend).map((m) => m.entries.length)
  t.same(sizes, [2, 2, 2, 2, 1], '100 bytes hold two 34-byte entries')
})

t.test('pipelining: at most maxInflightMessages appends in flight in replicate state', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { maxBytesPerMessage: 1, maxInflightMessages: 3 })
  c.elect('a')
  t.equal(c.node('a').status().progress?.['b']?.state, 'replicate')
  for (let i = 0; i < 10; i++) c.propose('a', `p${i}`)
  c.process('a')
  const toB = c.sent((m) => isAppend(m) && m.to === 'b')
  t.equal(toB.length, 3, 'window of three')
  t.equal(c.node('a').status().progress?.['b']?.inflight, 3)
  // b acknowledges the first: that frees one slot, and exactly one more append goes out.
  const [first, ...rest] = c.take((m) => isAppend(m) && m.to === 'b')
  if (first === undefined) throw new Error('no append')
  c.deliver(first)
  c.process('b')
  for (const ack of c.take((m) => m.from === 'b')) c.deliver(ack)
  c.process('a')
  t.equal(c.sent((m) => isAppend(m) && m.to === 'b').length, 1)
  // The other two were lost: b rejects the gap, a probes back and catches b up.
  t.equal(rest.length, 2)
  c.stabilize()
  c.tickAll(2)
  t.equal(c.node('b').status().commit, 11)
})

t.test('probe state sends one append at a time until the follower answers', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { maxBytesPerMessage: 1 })
  c.elect('a')
  c.isolate('c')
  for (let i = 0; i < 5; i++) c.propose('a', `p${i}`)
  c.stabilize()
  c.heal()
  // Force c back into probe by a rejection, as after a leader change.
  c.node('a').step({ type: 'appendResponse', from: 'c', to: 'a', term: 1, index: 6, reject: true, hintIndex: 1, hintTerm: 1 })
  t.equal(c.node('a').status().progress?.['c']?.state, 'probe')
  c.process('a')
  t.equal(c.sent((m) => isAppend(m) && m.to === 'c').length, 1, 'one probe')
  for (let i = 0; i < 3; i++) c.propose('a', `q${i}`)
  c.process('a')
  t.equal(c.sent((m) => isAppend(m) && m.to === 'c').length, 1, 'still one while the probe is unanswered')
  c.stabilize()
  c.tickAll(2)
  t.equal(c.node('c').status().commit, 9)
  t.equal(c.node('a').status().progress?.['c']?.state, 'replicate')
})

t.test('heartbeats carry min(match, commit) and the follower commits from them', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.isolate('c')
  c.propose('a', 'x')
  c.stabilize()
  c.heal()
  c.tick('a', 2)
  c.process('a')
  const hb = c.sent((m) => m.type === 'heartbeat')
  t.same(hb.map((m) => m.type === 'heartbeat' && [m.to, m.commit]), [['b', 2], ['c', 1]])
})

t.test('fast backtracking skips a conflicting term per round trip', async (t) => {
  // Follower b holds 50 entries of term 2 that the leader never had; the leader's log has
  // 50 entries of term 3 after the common prefix [1:1].
  const entriesOf = (from: number, to: number, term: number): Entry[] =>
    Array.from({ length: to - from + 1 }, (_, i) => ({ kind: 'noop' as const, term, index: from + i }))
  const leaderLog = [...entriesOf(1, 1, 1), ...entriesOf(2, 51, 3)]
  const followerLog = [...entriesOf(1, 1, 1), ...entriesOf(2, 51, 2)]
  const conf = { voters: ['a', 'b'], learners: [] }
  const a = new RaftNode(testConfig('a', { preVote: false }), { hardState: { term: 3, vote: 'a', commit: 1 }, snapshot: null, entries: leaderLog, applied: 1, conf })
  const b = new RaftNode(testConfig('b', { preVote: false }), { hardState: { term: 3, vote: null, commit: 1 }, snapshot: null, entries: followerLog, applied: 1, conf })
  const nodes = new Map([['a', a], ['b', b]])
  for (let i = 0; i < 30 && a.status().role !== 'leader'; i++) a.tick()
  let rejections = 0
  for (let round = 0; round < 50; round++) {
    for (const n of nodes.values()) {
      while (n.hasReady()) {
        const rd = n.ready()
        for (const m of rd.messages) {
          if (m.type === 'appendResponse' && m.reject) rejections++
          nodes.get(m.to)?.step(m)
        }
        n.advance(rd)
      }
    }
  }
  t.equal(a.status().role, 'leader')
  t.equal(b.status().lastIndex, 52)
  t.equal(b.status().commit, 52)
  t.ok(rejections <= 2, `converged after ${rejections} rejections, not ~50`)
})

t.test('the consistency check rejects an append whose previous entry does not match', async (t) => {
  const conf = { voters: ['a', 'b'], learners: [] }
  const b = new RaftNode(testConfig('b'), { hardState: { term: 2, vote: null, commit: 0 }, snapshot: null, entries: [{ kind: 'noop', term: 1, index: 1 }], applied: 0, conf })
  b.step({ type: 'append', from: 'a', to: 'b', term: 2, prevLogIndex: 1, prevLogTerm: 2, entries: [{ kind: 'noop', term: 2, index: 2 }], commit: 2 })
  const rd = b.ready()
  t.match(rd.messages, [{ type: 'appendResponse', reject: true, index: 1, hintIndex: 1, hintTerm: 1 }])
  t.equal(b.status().lastIndex, 1)
  t.equal(b.status().commit, 0)
})

t.test('a follower truncates a conflicting suffix and takes the leader entries', async (t) => {
  const conf = { voters: ['a', 'b'], learners: [] }
  const b = new RaftNode(testConfig('b'), {
    hardState: { term: 2, vote: null, commit: 1 },
    snapshot: null,
    entries: [{ kind: 'noop', term: 1, index: 1 }, { kind: 'noop', term: 1, index: 2 }, { kind: 'noop', term: 1, index: 3 }],
    applied: 1,
    conf,
  })
  b.step({ type: 'append', from: 'a', to: 'b', term: 3, prevLogIndex: 1, prevLogTerm: 1, entries: [{ kind: 'command', term: 3, index: 2, data: text('n') }], commit: 2 })
  const rd = b.ready()
  t.match(rd.entries, [{ index: 2, term: 3 }], 'only the replacement is persisted')
  t.equal(b.status().lastIndex, 2)
  t.match(rd.committed, [{ index: 2, kind: 'command' }])
  t.match(rd.messages, [{ type: 'appendResponse', reject: false, index: 2 }])
})

t.test('a write that lands after a new leader replaced its tail still makes the entries before that tail durable', async (t) => {
  const conf = { voters: ['a', 'b', 'c'], learners: [] }
  const b = new RaftNode(testConfig('b'), { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], applied: 0, conf })
  const noop = (index: number, term: number): Entry => ({ kind: 'noop', index, term })
  b.step({ type: 'append', from: 'a', to: 'b', term: 2, prevLogIndex: 0, prevLogTerm: 0, entries: [noop(1, 2), noop(2, 2), noop(3, 2), noop(4, 2)], commit: 2 })
  const first = b.ready()
  t.same(first.committed.map((e) => e.index), [1, 2], 'entries 1-2 are committed and handed out to apply')
  b.advanceApplied(first.committed)
  // Before the write of 1-4 lands, a new leader replaces 3-4.
  b.step({ type: 'append', from: 'c', to: 'b', term: 3, prevLogIndex: 2, prevLogTerm: 2, entries: [noop(3, 3)], commit: 2 })
  t.match(b.ready().entries, [{ index: 3, term: 3 }], 'the replacement goes to the next write')
  b.advanceStored(null, first.entries)
  // The driver compacts up to what is applied once the write holding it landed: 1-2 are durable.
  t.doesNotThrow(() => b.compact({ meta: { index: 2, term: 2, conf }, data: new Uint8Array() }), 'entries 1-2 count as stored')
  t.equal(b.status().firstIndex, 3)
})
