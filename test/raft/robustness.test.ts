import fc from 'fast-check'
import t from 'tap'
import type { Entry, Message } from '../../raft/index.js'
import { InMemoryCluster } from './in-memory-cluster.js'

const ids = ['a', 'b', 'c'] as const
const node = fc.constantFrom(...ids, 'x')
const small = fc.nat({ max: 12 })
const entry = (index: number): fc.Arbitrary<Entry> =>
  fc.oneof(
    small.map((term): Entry => ({ kind: 'noop', term, index })),
    fc.tuple(small, fc.uint8Array({ maxLength: 4 })).map(([term, data]): Entry => ({ kind: 'command', term, index, data })),
  )

/** Structurally valid messages with arbitrary, often nonsensical, values. */
const message: fc.Arbitrary<Message> = fc.tuple(node, node, small).chain(([from, to, term]) =>
  fc.oneof(
    fc.record({ lastLogIndex: small, lastLogTerm: small }).map((r): Message => ({ type: 'preVote', from, to, term, ...r })),
    fc.record({ lastLogIndex: small, lastLogTerm: small, transfer: fc.boolean() }).map((r): Message => ({ type: 'vote', from, to, term, ...r })),
    fc.boolean().map((granted): Message => ({ type: 'voteResponse', from, to, term, granted })),
    fc.boolean().map((granted): Message => ({ type: 'preVoteResponse', from, to, term, granted })),
    fc
      .record({ prevLogIndex: small, prevLogTerm: small, commit: small, count: fc.nat({ max: 3 }) })
      .chain((r) =>
        fc.tuple(...Array.from({ length: r.count }, (_, i) => entry(r.prevLogIndex + 1 + i))).map(
          (entries): Message => ({ type: 'append', from, to, term, prevLogIndex: r.prevLogIndex, prevLogTerm: r.prevLogTerm, commit: r.commit, entries }),
        ),
      ),
    fc.record({ index: small, reject: fc.boolean(), hintIndex: small, hintTerm: small }).map((r): Message => ({ type: 'appendResponse', from, to, term, ...r })),
    fc.record({ commit: small, readContext: fc.option(fc.constantFrom('1.1', '2.3', 'q')) }).map((r): Message => ({ type: 'heartbeat', from, to, term, ...r })),
    fc.option(fc.constantFrom('1.1', '1.2', '2.1')).map((readContext): Message => ({ type: 'heartbeatResponse', from, to, term, readContext })),
    fc
      .record({ index: small, snapTerm: small, offset: fc.nat({ max: 40 }), done: fc.boolean(), chunk: fc.uint8Array({ maxLength: 20 }) })
      .map((r): Message => ({ type: 'snapshot', from, to, term, meta: { index: r.index, term: Math.min(r.snapTerm, term), conf: { voters: ['a', 'b', 'c'], learners: [] } }, offset: r.offset, chunk: r.chunk, done: r.done })),
    fc.record({ snapshotIndex: small, nextOffset: fc.nat({ max: 40 }), reject: fc.boolean(), done: fc.boolean() }).map((r): Message => ({ type: 'snapshotResponse', from, to, term, ...r })),
    fc.constant<Message>({ type: 'timeoutNow', from, to, term }),
    fc.constant<Message>({ type: 'readIndex', from, to, term, context: 'r' }),
    fc.option(small).map((index): Message => ({ type: 'readIndexResponse', from, to, term, context: 'r', index })),
  ),
)

type Action =
  | { kind: 'tick'; id: string }
  | { kind: 'deliver'; pick: number }
  | { kind: 'inject'; msg: Message }
  | { kind: 'propose'; id: string }
  | { kind: 'read'; id: string }
  | { kind: 'compact'; id: string }

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ids).map((id): Action => ({ kind: 'tick', id })) },
  { weight: 6, arbitrary: fc.nat().map((pick): Action => ({ kind: 'deliver', pick })) },
  { weight: 2, arbitrary: message.map((msg): Action => ({ kind: 'inject', msg })) },
  { weight: 2, arbitrary: fc.constantFrom(...ids).map((id): Action => ({ kind: 'propose', id })) },
  { weight: 1, arbitrary: fc.constantFrom(...ids).map((id): Action => ({ kind: 'read', id })) },
  { weight: 1, arbitrary: fc.constantFrom(...ids).map((id): Action => ({ kind: 'compact', id })) },
)

t.test('no sequence of ticks, real traffic and forged messages makes the core throw', async (t) => {
  fc.assert(
    fc.property(fc.array(action, { minLength: 50, maxLength: 300 }), (actions) => {
      const c = new InMemoryCluster([...ids], { snapshotChunkBytes: 8 })
      for (const a of actions) {
        switch (a.kind) {
          case 'tick':
            c.node(a.id).tick()
            break
          case 'deliver': {
            const m = c.queue[a.pick % Math.max(1, c.queue.length)]
            if (m !== undefined) {
              c.queue = c.queue.filter((q) => q !== m)
              c.deliver(m)
            }
            break
          }
          case 'inject':
            c.nodes.get(a.msg.to)?.step(a.msg)
            break
          case 'propose':
            c.node(a.id).propose(new Uint8Array([1]))
            break
          case 'read':
            c.node(a.id).readIndex('r')
            break
          case 'compact':
            if (c.store(a.id).applied > 0) c.compact(a.id)
            break
        }
        c.processAll()
      }
    }),
    { numRuns: 150, seed: 42 },
  )
  t.pass('150 runs without an exception or a failed invariant')
})

t.test('the same inputs and the same random source give the same outputs', async (t) => {
  const transcript = (): string => {
    const c = new InMemoryCluster([...ids])
    const out: string[] = []
    c.afterPersist = (id, rd) => out.push(id, JSON.stringify(rd.messages.map((m) => [m.type, m.to, m.term])), JSON.stringify(rd.hardState))
    for (let i = 0; i < 200; i++) {
      c.tickAll(1)
      const leader = [...c.nodes.values()].find((n) => n.status().role === 'leader')
      if (i % 7 === 0) leader?.propose(new Uint8Array([i]))
      if (i === 50 || i === 120) c.isolate(leader?.id ?? 'a')
      if (i === 90 || i === 160) c.heal()
    }
    return out.join('\n')
  }
  const first = transcript()
  t.ok(first.length > 1000)
  t.equal(transcript(), first)
})
