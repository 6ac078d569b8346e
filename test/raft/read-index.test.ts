import t from 'tap'
import type { Message, ReadState } from '../../raft/index.js'
import { InMemoryCluster } from './in-memory-cluster.js'

function collectReads(c: InMemoryCluster, id: string): { states: ReadState[]; failures: string[] } {
  const states: ReadState[] = []
  const failures: string[] = []
  const node = c.node(id)
  while (node.hasReady()) {
    const rd = node.ready()
    states.push(...rd.readStates)
    failures.push(...rd.readFailures)
    c.queue.push(...rd.messages)
    node.advance(rd)
  }
  return { states, failures }
}

const isHeartbeat = (m: Message): boolean => m.type === 'heartbeat'

t.test('a leader answers a read only after a heartbeat quorum confirms it still leads', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.propose('a', 'x')
  c.stabilize()
  t.same(c.node('a').readIndex('r1'), { ok: true })
  const first = collectReads(c, 'a')
  t.same(first.states, [], 'nothing before confirmation')
  const hbs = c.take(isHeartbeat)
  t.equal(hbs.length, 2)
  t.ok(hbs.every((m) => m.type === 'heartbeat' && m.readContext !== null))
  const toB = hbs.find((m) => m.to === 'b')
  if (toB === undefined) throw new Error('no heartbeat to b')
  c.deliver(toB)
  c.process('b')
  for (const m of c.take((m) => m.type === 'heartbeatResponse')) c.deliver(m)
  t.same(collectReads(c, 'a').states, [{ context: 'r1', index: 2 }], 'b plus a is a quorum')
})

t.test('reads arriving before the next Ready share one heartbeat round', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.node('a').readIndex('r1')
  c.node('a').readIndex('r2')
  collectReads(c, 'a')
  t.equal(c.sent(isHeartbeat).length, 2, 'one heartbeat per follower for both reads')
  c.stabilize()
})

t.test('a new leader holds reads until an entry of its term is committed', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
  c.elect('a')
  c.isolate('a')
  const b = c.node('b')
  for (let i = 0; i < 20 && b.status().role !== 'candidate'; i++) b.tick()
  c.processAll()
  // Deliver only the votes: b wins, but its noop does not reach anyone.
  for (const m of c.take((m) => m.type === 'vote')) c.deliver(m)
  c.processAll()
  for (const m of c.take((m) => m.type === 'voteResponse')) c.deliver(m)
  t.equal(b.status().role, 'leader')
  c.processAll()
  c.queue = []
  b.readIndex('early')
  c.processAll()
  c.queue = []
  t.same(c.readStates.get('b'), [], 'held: commit is still from the old term')
  c.heal()
  c.tickAll(4)
  t.same(c.readStates.get('b'), [{ context: 'early', index: 2 }])
})

t.test('a follower forwards a read to the leader and gets the index to wait for', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.propose('a', 'x')
  c.stabilize()
  t.same(c.node('b').readIndex('f1'), { ok: true })
  c.stabilize()
  t.same(c.readStates.get('b'), [{ context: 'f1', index: 2 }])
})

t.test('a node that knows no leader refuses a read', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  t.same(c.node('b').readIndex('x'), { ok: false, reason: 'notLeader', leader: null })
})

t.test('reads pending when leadership is lost are reported as failures', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.isolate('a')
  c.node('a').readIndex('lost')
  const failures: string[] = []
  for (let i = 0; i < 25; i++) {
    c.tick('a')
    failures.push(...collectReads(c, 'a').failures)
    c.queue = []
  }
  t.equal(c.node('a').status().role, 'follower')
  t.same(failures, ['lost'])
})

t.test('a forwarded read whose answer is lost fails after two election timeouts', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.cutLink('b', 'a')
  c.node('b').readIndex('f')
  const failures: string[] = []
  for (let i = 0; i < 20; i++) {
    c.tick('b')
    failures.push(...collectReads(c, 'b').failures)
  }
  t.same(failures, ['f'])
})

t.test('lease reads: served at once while the lease holds, never after a transfer starts', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { leaseReads: true, checkQuorum: true })
  // With lease reads a starting replica refuses votes for one election timeout (it may have
  // promised a leader before a restart), so let b and c age first.
  for (let i = 0; i < 10; i++) {
    c.tick('b')
    c.tick('c')
    c.processAll()
    c.queue = []
  }
  c.elect('a')
  c.tickAll(2) // a heartbeat round confirms leadership and starts the lease
  const a = c.node('a')
  a.readIndex('lease')
  const served = collectReads(c, 'a')
  t.same(served.states, [{ context: 'lease', index: 1 }], 'no round trip needed')
  t.equal(c.sent(isHeartbeat).length, 0)
  c.stabilize()

  // Cut off: once electionTicks - maxClockDriftTicks have passed since the last confirmed round
  // the lease is gone and a read waits for a quorum it cannot get.
  c.isolate('a')
  for (let i = 0; i < 8; i++) {
    c.tick('a')
    collectReads(c, 'a')
    c.queue = []
  }
  a.readIndex('expired')
  t.same(collectReads(c, 'a').states, [], 'lease expired')
  c.heal()
  c.stabilize()
  c.tickAll(12)

  t.equal(a.status().role, 'leader')
  a.transferLeadership('b')
  c.cutLink('a', 'b') // keep the transfer from completing
  a.readIndex('after-transfer')
  t.same(collectReads(c, 'a').states, [], 'no lease once a transfer started')
  c.queue = []
})
