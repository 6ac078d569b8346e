import t from 'tap'
import type { Message, Ready } from '../../raft/index.js'
import { InMemoryCluster, seededRandom, type Store } from './in-memory-cluster.js'

/** Every promise a message makes must already be in the store when the message leaves. */
function promiseKept(m: Message, store: Store): string | null {
  switch (m.type) {
    case 'voteResponse':
      if (m.granted && (store.hardState.term !== m.term || store.hardState.vote !== m.to)) return `vote for ${m.to} in ${m.term} not durable`
      return null
    case 'vote':
      if (store.hardState.term !== m.term || store.hardState.vote !== m.from) return `own vote in ${m.term} not durable`
      return null
    case 'appendResponse': {
      if (m.reject || m.index === 0) return null
      const snapIndex = store.snapshot?.meta.index ?? 0
      const has = m.index <= Math.max(snapIndex, store.hardState.commit) || store.entries.some((e) => e.index === m.index)
      return has ? null : `ack of ${m.index} before it is durable`
    }
    case 'append': {
      const last = m.entries[m.entries.length - 1]
      if (last === undefined) return null
      return store.entries.some((e) => e.index === last.index && e.term === last.term) ? null : `sent entry ${last.index} before persisting it`
    }
    case 'preVote':
    case 'preVoteResponse':
      return null // sent in the proposed term, which is never adopted by a pre-vote
    default:
      return m.term <= store.hardState.term ? null : `message at term ${m.term} beyond durable term ${store.hardState.term}`
  }
}

t.test('random runs with crashes: messages never get ahead of durable state; applied logs agree', async (t) => {
  const ids = ['a', 'b', 'c']
  const conf = { voters: ids, learners: [] }
  for (let seed = 1; seed <= 20; seed++) {
    const rnd = seededRandom(seed)
    const pick = <T>(xs: readonly T[]): T => {
      const x = xs[Math.floor(rnd() * xs.length)]
      if (x === undefined) throw new Error('empty')
      return x
    }
    const c = new InMemoryCluster(ids)
    const violations: string[] = []
    c.afterPersist = (id: string, rd: Ready, store: Store) => {
      for (const m of rd.messages) {
        const v = promiseKept(m, store)
        if (v !== null) violations.push(`${id}: ${v}`)
      }
    }
    let proposals = 0
    for (let step = 0; step < 400; step++) {
      const r = rnd()
      if (r < 0.6) {
        for (const n of c.nodes.values()) n.tick()
      } else if (r < 0.8) {
        const leader = [...c.nodes.values()].find((n) => n.status().role === 'leader')
        leader?.propose(new TextEncoder().encode(`s${seed}-${proposals++}`))
      } else if (r < 0.85) {
        c.isolate(pick(ids))
      } else if (r < 0.93) {
        c.heal()
      } else {
        const victim = pick(ids)
        // Crash: whatever was not handed to the store is lost, and so are its applied records.
        c.applied.set(victim, [])
        c.store(victim).applied = 0
        c.restart(victim, conf)
      }
      // Deliver a random part of the traffic, like a lossy network.
      c.processAll()
      const batch = c.queue
      c.queue = []
      for (const m of batch) if (rnd() < 0.9) c.deliver(m)
    }
    c.heal()
    c.tickAll(60)
    t.same(violations, [], `seed ${seed}: no message ahead of durable state`)
    const logs = ids.map((id) => c.applied.get(id) ?? [])
    const longest = logs.reduce((a, b) => (a.length >= b.length ? a : b))
    t.ok(longest.length >= 10, `seed ${seed}: the run made progress (${longest.length} applied)`)
    for (const [i, log] of logs.entries()) t.same(log, longest.slice(0, log.length), `seed ${seed}: ${ids[i]} applied a prefix of the same history`)
    const leaders = [...c.nodes.values()].filter((n) => n.status().role === 'leader')
    t.equal(leaders.length, 1, `seed ${seed}: one leader after healing`)
  }
})

t.test('a restarted node keeps its vote and will not vote twice in a term', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'], { preVote: false, checkQuorum: false })
  c.node('b').step({ type: 'vote', from: 'a', to: 'b', term: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false })
  c.process('b')
  c.queue = []
  const b = c.restart('b', { voters: ['a', 'b', 'c'], learners: [] })
  t.equal(b.status().vote, 'a')
  b.step({ type: 'vote', from: 'c', to: 'b', term: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false })
  c.process('b')
  t.match(c.queue, [{ type: 'voteResponse', granted: false, to: 'c' }])
})

t.test('a Ready that was never persisted leaves no trace after a crash', async (t) => {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.node('b').step({ type: 'append', from: 'a', to: 'b', term: 1, prevLogIndex: 1, prevLogTerm: 1, entries: [{ kind: 'noop', term: 1, index: 2 }], commit: 1 })
  c.node('b').ready() // handed out, but the "driver" crashes before persisting
  const b = c.restart('b', { voters: ['a', 'b', 'c'], learners: [] })
  t.equal(b.status().lastIndex, 1)
})

t.test('bad restored state is refused with an error naming it', async (t) => {
  const c = new InMemoryCluster(['a'])
  c.store('a').entries = [{ kind: 'noop', term: 1, index: 2 }]
  c.store('a').hardState = { term: 1, vote: null, commit: 0 }
  t.throws(() => c.restart('a', { voters: ['a'], learners: [] }), /RestoredState\.entries\[0\] has index 2, expected 1/)
  c.store('a').entries = []
  c.store('a').hardState = { term: 1, vote: null, commit: 3 }
  t.throws(() => c.restart('a', { voters: ['a'], learners: [] }), /hardState\.commit 3 is beyond the last stored index 0/)
  c.store('a').hardState = { term: 1, vote: null, commit: 0 }
  t.throws(() => new InMemoryCluster(['a'], { heartbeatTicks: 10 }), /heartbeatTicks \(10\) must be below electionTicks/)
  t.throws(() => new InMemoryCluster(['a'], { leaseReads: true, checkQuorum: false }), /leaseReads requires RaftConfig\.checkQuorum/)
})
