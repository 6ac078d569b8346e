import t from 'tap'
import { ReadFreshness } from '../../src/node/read-freshness.js'
import type { RaftStatus } from '../../raft/index.js'
import type { Message } from '../../raft/types.js'

/** A replica's status and clock that each case moves by hand. */
function replica(status: Partial<RaftStatus>) {
  const clock = { ms: 1000 }
  const current: { status: RaftStatus } = {
    status: {
      id: 'n1',
      role: 'follower',
      term: 3,
      vote: null,
      leader: 'n2',
      commit: 10,
      applied: 10,
      lastIndex: 10,
      firstIndex: 1,
      conf: { voters: ['n1', 'n2', 'n3'], learners: [] },
      progress: null,
      transferringTo: null,
      ...status,
    },
  }
  const freshness = new ReadFreshness(() => current.status, () => clock.ms)
  return { clock, current, freshness }
}

const append = (commit: number, term = 3, from = 'n2'): Message => ({ type: 'append', from, to: 'n1', term, prevLogIndex: 0, prevLogTerm: 0, entries: [], commit })
const heartbeat = (commit: number, term = 3, from = 'n2'): Message => ({ type: 'heartbeat', from, to: 'n1', term, commit, readContext: null })
const ack = (from: string, term = 3): Message => ({ type: 'heartbeatResponse', from, to: 'n1', term, readContext: null })

t.test('a follower is as fresh as the last append of its leader whose commit it applied', async (t) => {
  const { clock, current, freshness } = replica({})
  t.equal(freshness.stalenessMs(), null, 'nothing heard yet')
  freshness.heard(append(10))
  clock.ms += 40
  t.equal(freshness.stalenessMs(), 40)
  freshness.heard(append(12))
  t.equal(freshness.stalenessMs(), null, 'the leader committed 12, only 10 is applied')
  current.status = { ...current.status, applied: 12 }
  t.equal(freshness.stalenessMs(), 0)
  current.status = { ...current.status, term: 4, leader: 'n3' }
  t.equal(freshness.stalenessMs(), null, 'a new term: the old contact proves nothing')
})

t.test("a heartbeat below an append's commit (a lagging follower's clipped commit) proves nothing", async (t) => {
  const { clock, current, freshness } = replica({ applied: 0, lastIndex: 0 })
  freshness.heard(append(500))
  freshness.heard(heartbeat(0))
  clock.ms += 10
  t.equal(freshness.stalenessMs(), null, 'a new learner with nothing applied is not current')
  current.status = { ...current.status, applied: 500, lastIndex: 500 }
  clock.ms += 90
  freshness.heard(heartbeat(500))
  t.equal(freshness.stalenessMs(), 0, 'caught up: heartbeats keep it fresh')
  clock.ms += 30
  t.equal(freshness.stalenessMs(), 30)
})

t.test('a heartbeat before any append of the term, or from an older term, proves nothing', async (t) => {
  const { clock, freshness } = replica({})
  freshness.heard(heartbeat(10))
  t.equal(freshness.stalenessMs(), null)
  freshness.heard(append(10))
  clock.ms += 50
  freshness.heard(append(10, 2, 'n3'))
  freshness.heard(heartbeat(10, 2, 'n3'))
  t.equal(freshness.stalenessMs(), 50, "an old term's late message leaves the current contact alone")
})

t.test('a leader is as fresh as the last answers of a quorum in its term', async (t) => {
  const { clock, current, freshness } = replica({ role: 'leader', leader: 'n1', applied: 10, lastIndex: 10 })
  t.equal(freshness.stalenessMs(), null, 'no answers yet')
  freshness.heard(ack('n2'))
  clock.ms += 25
  t.equal(freshness.stalenessMs(), 25, 'itself and n2 are a quorum of three')
  clock.ms += 400
  t.equal(freshness.stalenessMs(), 425, 'cut off, it ages instead of calling itself current')
  freshness.heard(ack('n3', 2))
  t.equal(freshness.stalenessMs(), 425, 'an answer of an older term does not count')
  current.status = { ...current.status, conf: { voters: ['n1', 'n2', 'n3', 'n4', 'n5'], learners: [] } }
  freshness.heard(ack('n4'))
  t.equal(freshness.stalenessMs(), 425, 'of five voters, the older of the two latest answers counts')
})

t.test('a new leader is not current before it applied an entry of its own term', async (t) => {
  const { clock, current, freshness } = replica({ role: 'leader', leader: 'n1', term: 5, commit: 8, applied: 8, lastIndex: 11 })
  freshness.heard(ack('n2', 5))
  t.equal(freshness.stalenessMs(), null, "entries 9-11 may have been committed by the last leader")
  current.status = { ...current.status, commit: 11, applied: 11 }
  clock.ms += 5
  t.equal(freshness.stalenessMs(), 5)
})

t.test('a leader that is the only voter is always current', async (t) => {
  const { freshness } = replica({ role: 'leader', leader: 'n1', conf: { voters: ['n1'], learners: [] } })
  t.equal(freshness.stalenessMs(), 0)
})
