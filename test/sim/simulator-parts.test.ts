/**
 * The simulator's own parts, tested on hand-made inputs: the PRNG and agenda are deterministic,
 * partitions cut the links they should, storage follows the Ready contract, and every checker
 * fails on a fabricated violation (a checker that cannot fail proves nothing).
 */
import t from 'tap'
import type { Entry, Ready, Snapshot } from '../../raft/types.js'
import { EventQueue } from './event-queue.js'
import { Prng } from './prng.js'
import { encodeWrite, RegisterMachine } from './register-machine.js'
import { SafetyChecker } from './safety-checker.js'
import { SimNetwork, perfectLinks } from './sim-network.js'
import { SimStorage } from './sim-storage.js'
import { SimulationViolation } from './violation.js'
import { Workload } from './workload.js'

const conf = { voters: ['a', 'b', 'c'], learners: [] }

function cmd(index: number, term: number, id: string): Entry {
  return { kind: 'command', index, term, data: encodeWrite(id) }
}

function readyWith(parts: Partial<Ready>): Ready {
  return { softState: null, hardState: null, entries: [], snapshot: null, messages: [], committed: [], readStates: [], readFailures: [], ...parts }
}

function storageWith(id: string, entries: Entry[]): SimStorage {
  const s = new SimStorage(id, conf)
  s.persist(readyWith({ entries }))
  return s
}

function violationOf(fn: () => void): string {
  try {
    fn()
  } catch (error) {
    if (error instanceof SimulationViolation) return error.check
    throw error
  }
  return 'none'
}

t.test('the PRNG replays a seed exactly and differs across seeds', async (t) => {
  const draw = (seed: number): number[] => {
    const p = new Prng(seed)
    return Array.from({ length: 20 }, () => p.nextUint32())
  }
  t.same(draw(7), draw(7))
  t.not(draw(7).join(), draw(8).join())
  const p = new Prng(1)
  const draws = Array.from({ length: 1000 }, () => p.next())
  t.ok(draws.every((x) => x >= 0 && x < 1), 'next() stays in [0, 1)')
  t.throws(() => new Prng(1).int(0), /bound must be a positive integer/)
})

t.test('the agenda orders by time, then by insertion', async (t) => {
  const q = new EventQueue<string>()
  q.push(5, 'c')
  q.push(1, 'a')
  q.push(5, 'd')
  q.push(1, 'b')
  q.push(3, 'x')
  const out: string[] = []
  for (let e = q.pop(); e !== null; e = q.pop()) out.push(e.event)
  t.same(out, ['a', 'b', 'x', 'c', 'd'])
})

t.test('partitions cut exactly the links they describe', async (t) => {
  const net = new SimNetwork(new Prng(1), perfectLinks)
  net.setPartition({ kind: 'isolated', node: 'a' })
  t.notOk(net.connected('a', 'b'))
  t.ok(net.connected('b', 'c'))
  t.same(net.route('a', 'b'), [], 'a message across the cut is lost')
  net.setPartition({ kind: 'bridge', bridge: 'b', first: new Set(['a']) })
  t.ok(net.connected('a', 'b'))
  t.ok(net.connected('b', 'c'))
  t.notOk(net.connected('a', 'c'))
  net.setPartition({ kind: 'halves', first: new Set(['a', 'b']) })
  t.ok(net.connected('a', 'b'))
  t.notOk(net.connected('b', 'c'))
  t.ok(net.connected('c', 'd'), 'nodes in neither group are on the second side')
  net.setPartition({ kind: 'none' })
  t.equal(net.route('a', 'c').length, 1)
})

t.test('storage keeps only what a Ready persisted and enforces the contract', async (t) => {
  const s = storageWith('a', [cmd(1, 1, 'w1'), cmd(2, 1, 'w2'), cmd(3, 1, 'w3')])
  s.persist(readyWith({ entries: [cmd(2, 2, 'w9')], hardState: { term: 2, vote: 'b', commit: 1 } }))
  t.same(s.entries().map((e) => `${e.index}/${e.term}`), ['1/1', '2/2'], 'a new entry replaces the stored suffix')
  t.same(s.restoredState(1).hardState, { term: 2, vote: 'b', commit: 1 })
  t.equal(violationOf(() => s.persist(readyWith({ entries: [cmd(5, 2, 'w5')] }))), 'persistence contract', 'a gap is refused')
  t.equal(violationOf(() => s.persist(readyWith({ hardState: { term: 1, vote: null, commit: 1 } }))), 'persistence contract', 'term never goes back')

  const machine = RegisterMachine.empty(conf)
  machine.apply(cmd(1, 1, 'w1'))
  const snapshot: Snapshot = machine.snapshot()
  s.persist(readyWith({ snapshot }))
  t.same(s.entries().map((e) => e.index), [2], 'a snapshot whose entry matches keeps the suffix after it')
  const other = storageWith('b', [cmd(1, 3, 'w7'), cmd(2, 3, 'w8')])
  other.persist(readyWith({ snapshot }))
  t.same(other.entries(), [], 'a snapshot that conflicts with the log replaces all of it')
  t.equal(other.lastIndex(), 1)
})

t.test('the safety checker flags each property on a fabricated violation', async (t) => {
  const a = storageWith('a', [cmd(1, 1, 'w1')])
  const b = storageWith('b', [cmd(1, 1, 'w1')])

  const twoLeaders = new SafetyChecker()
  twoLeaders.observeRole('a', 'leader', 1, 0, a)
  t.equal(violationOf(() => twoLeaders.observeRole('b', 'leader', 1, 0, b)), 'election safety')

  const matching = new SafetyChecker()
  matching.observePersisted('a', a, a.entries(), null)
  t.equal(violationOf(() => matching.observePersisted('b', storageWith('b', [cmd(1, 1, 'other')]), [cmd(1, 1, 'other')], null)), 'log matching', 'same index and term, different entry')
  const prefix = storageWith('c', [cmd(1, 2, 'x'), cmd(2, 3, 'y')])
  const later = storageWith('d', [cmd(1, 1, 'w1'), cmd(2, 3, 'y')])
  const prefixChecker = new SafetyChecker()
  prefixChecker.observePersisted('c', prefix, prefix.entries(), null)
  t.equal(violationOf(() => prefixChecker.observePersisted('d', later, later.entries(), null)), 'log matching', 'same entry after a different prefix')

  const applied = new SafetyChecker()
  applied.observeApplied('a', cmd(1, 1, 'w1'))
  t.equal(violationOf(() => applied.observeApplied('b', cmd(1, 2, 'w2'))), 'state machine safety')

  const completeness = new SafetyChecker()
  completeness.observeRole('a', 'leader', 1, 1, a)
  const lacking = storageWith('c', [cmd(1, 2, 'w5')])
  t.equal(violationOf(() => completeness.observeRole('c', 'leader', 2, 0, lacking)), 'leader completeness', 'a later leader without a committed entry')
})

t.test('a read that misses an acknowledged write is not linearizable', async (t) => {
  const w = new Workload()
  w.writeAccepted('a', 'w1', 1, 1)
  const fresh = RegisterMachine.empty(conf)
  fresh.apply(cmd(1, 1, 'w1'))
  w.applied('a', cmd(1, 1, 'w1'), 10)
  t.equal(w.outcome('w1'), 'done')
  w.readAccepted('b', 'r1', 11)
  w.readState('b', { context: 'r1', index: 0 })
  const stale = RegisterMachine.empty(conf)
  t.equal(violationOf(() => w.serveReads('b', stale, 12)), 'linearizable read')

  const ok = new Workload()
  ok.readAccepted('a', 'r2', 1)
  ok.readState('a', { context: 'r2', index: 1 })
  ok.serveReads('a', RegisterMachine.empty(conf), 2)
  t.equal(ok.outcome('r2'), 'pending', 'a read waits until its index is applied')
  ok.serveReads('a', fresh, 3)
  t.equal(ok.outcome('r2'), 'done')
})
