import t from 'tap'
import { RaftNode, type AppendRequest, type Entry, type Index, type Message, type RaftConfig, type RestoredState } from '../../raft/index.js'
import { InMemoryCluster, testConfig, text } from './in-memory-cluster.js'

/** A variant that commits entries of earlier terms by counting (unsafe: Raft paper Figure 8). */
class CountsOldTerms extends RaftNode {
  protected override isCommittableTerm(_index: Index): boolean {
    return true
  }
}

const noop = (index: number, term: number): Entry => ({ kind: 'noop', index, term })
const conf = { voters: ['a', 'b', 'c'], learners: [] }

/**
 * Figure 8 set-up: a holds an entry of term 2 at index 2 that only it has; a wins term 4 and
 * replicates that entry to b, one entry per message, before its own noop.
 */
function figure8(make: (config: RaftConfig, restored: RestoredState) => RaftNode): Index[] {
  const cfg = (id: string): RaftConfig => testConfig(id, { maxBytesPerMessage: 1, preVote: false, checkQuorum: false })
  const a = make(cfg('a'), { hardState: { term: 3, vote: null, commit: 1 }, snapshot: null, entries: [noop(1, 1), noop(2, 2)], applied: 1, conf })
  const b = make(cfg('b'), { hardState: { term: 3, vote: null, commit: 1 }, snapshot: null, entries: [noop(1, 1)], applied: 1, conf })
  const nodes = new Map([['a', a], ['b', b]]) // c is down
  const commits: Index[] = []
  for (let i = 0; i < 30 && a.status().role !== 'leader'; i++) {
    a.tick()
    pump()
  }
  function pump(): void {
    for (let round = 0; round < 20; round++) {
      const out: Message[] = []
      for (const n of nodes.values()) {
        while (n.hasReady()) {
          const rd = n.ready()
          out.push(...rd.messages)
          n.advance(rd)
        }
      }
      for (const m of out) {
        nodes.get(m.to)?.step(m)
        commits.push(a.status().commit)
      }
    }
  }
  pump()
  return commits
}

t.test('Figure 8: an entry of an earlier term is not committed by counting replicas', async (t) => {
  const commits = figure8((c, r) => new RaftNode(c, r))
  t.notOk(commits.includes(2), 'commit never stops at the old-term entry 2')
  t.equal(commits[commits.length - 1], 3, 'it commits once the term-4 noop is on a majority')
})

t.test('Figure 8: the broken variant does commit the old-term entry by counting (the hook is what guards it)', async (t) => {
  const commits = figure8((c, r) => new CountsOldTerms(c, r))
  t.ok(commits.includes(2))
})

t.test('a new leader appends a noop of its term first', async (t) => {
  const a = new RaftNode(testConfig('a', { preVote: false }), { hardState: { term: 5, vote: null, commit: 0 }, snapshot: null, entries: [noop(1, 2)], applied: 0, conf: { voters: ['a'], learners: [] } })
  for (let i = 0; i < 30 && a.status().role !== 'leader'; i++) a.tick()
  const rd = a.ready()
  t.match(rd.entries, [{ kind: 'noop', index: 2, term: 6 }])
  t.same(rd.committed, [], 'the leader counts itself only once its entries are durable')
  t.match(rd.hardState, { term: 6, vote: 'a', commit: 0 })
  a.advance(rd)
  const next = a.ready()
  t.match(next.committed, [{ index: 1 }, { index: 2, kind: 'noop' }], 'single voter commits both at once after its write')
  t.match(next.hardState, { term: 6, vote: 'a', commit: 2 })
})

t.test('a leader counts itself toward a quorum only once advance says its entries are durable', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  const a = c.node('a')
  a.propose(text('x'))
  const rd = a.ready()
  const index = a.status().lastIndex
  t.ok(rd.messages.some((m) => m.type === 'append' && m.to === 'b'), 'the append may leave before the write')
  // b acknowledges before a's own write finished: one of three is not a quorum.
  a.step({ type: 'appendResponse', from: 'b', to: 'a', term: a.status().term, index, reject: false, hintIndex: 0, hintTerm: 0 })
  t.ok(a.status().commit < index, 'not committed on b alone')
  a.advance(rd)
  t.equal(a.status().commit, index, 'committed once the leader\'s write is durable too')
  t.match(a.ready().messages.filter((m) => m.type === 'append').map((m) => (m as AppendRequest).commit), [index, index], 'and the new commit index goes out at once')
})


t.test('an entry a quorum of followers stored is handed out to apply while the leader still writes it; storing and applying are acknowledged apart', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  const a = c.node('a')
  const x = c.propose('a', 'x')
  // The leader's write of x is in flight: handed out, not yet acknowledged as stored.
  const writing = a.ready()
  for (const m of writing.messages) c.deliver(m)
  c.process('b')
  c.process('c')
  for (const m of c.take((m) => m.to === 'a')) c.deliver(m)
  t.equal(a.status().commit, x, 'both followers stored x: committed without the leader')
  const next = a.ready()
  t.same(next.entries, [], 'nothing new to write')
  t.same(next.committed.map((e) => e.index), [x], 'x is handed out to apply')
  a.advanceApplied(next.committed)
  t.equal(a.status().applied, x, 'applied before the leader acknowledged its own write')
  a.advanceStored(null, writing.entries)
  t.notOk(a.hasReady() && a.ready().committed.length > 0, 'and x is not handed out again')
})
