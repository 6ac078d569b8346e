import t from 'tap'
import { InMemoryCluster, text } from './in-memory-cluster.js'

t.test('transfer to an up-to-date follower: TimeoutNow, immediate campaign despite leases', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  t.same(c.node('a').transferLeadership('b'), { ok: true })
  c.processAll()
  t.match(c.queue, [{ type: 'timeoutNow', to: 'b', from: 'a' }])
  c.stabilize()
  t.equal(c.node('b').status().role, 'leader')
  t.equal(c.node('b').status().term, 2, 'no pre-vote round, one term increment')
  t.equal(c.node('a').status().leader, 'b')
})

t.test('transfer to a lagging follower first brings it up to date', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.isolate('c')
  for (let i = 0; i < 3; i++) c.propose('a', `x${i}`)
  c.stabilize()
  c.heal()
  c.node('a').transferLeadership('c')
  c.processAll()
  t.same(c.sent((m) => m.type === 'timeoutNow'), [], 'not before c has the log')
  t.match(c.node('a').propose(text('blocked')), { ok: false, reason: 'transferring', leader: 'c' })
  c.stabilize()
  t.equal(c.node('c').status().role, 'leader')
  t.equal(c.node('c').status().lastIndex, 5, 'c kept the log and appended its noop')
})

t.test('a transfer that does not complete is abandoned after an election timeout', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.cutLink('a', 'b')
  c.propose('a', 'x')
  c.stabilize()
  c.node('a').transferLeadership('b')
  t.equal(c.node('a').status().transferringTo, 'b')
  for (let i = 0; i < 10; i++) {
    c.tick('a')
    c.stabilize()
  }
  t.equal(c.node('a').status().transferringTo, null)
  t.equal(c.node('a').status().role, 'leader')
  t.match(c.node('a').propose(text('y')), { ok: true })
})

t.test('invalid transfers are refused with a reason', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.node('a').proposeConfChange({ type: 'addLearner', node: 'd' })
  c.stabilize()
  t.match(c.node('b').transferLeadership('c'), { ok: false, reason: 'node b is not the leader' })
  t.match(c.node('a').transferLeadership('a'), { ok: false, reason: 'node a is already the leader' })
  t.match(c.node('a').transferLeadership('d'), { ok: false, reason: 'node d is not a voter' })
})
