import t from 'tap'
import fc from 'fast-check'
import { checkKvHistory, type KvCheckOptions } from '../../src/chaos/linearizability/check-kv-history.js'
import type { KvHistoryOp } from '../../src/chaos/linearizability/kv-history.js'
import { parseKvHistory } from '../../src/chaos/linearizability/kv-history-schema.js'
import { SeededRandom } from '../../src/chaos/seeded-random.js'
import { simulateKvHistory } from './simulated-kv-history.js'

// A fixed seed keeps the suite deterministic; change it locally to explore other cases.
fc.configureGlobal({ seed: 20261121 })

const options: KvCheckOptions = { now: () => performance.now() }

type Span = readonly [number, number]
let nextId = 0
const base = (client: string, key: string, [calledAt]: Span) => ({ id: `op${nextId++}`, client, key, calledAt })
const acked = ([, returnedAt]: Span) => ({ status: 'ok', returnedAt }) as const

const put = (client: string, value: string, span: Span, key = 'x'): KvHistoryOp => ({
  ...base(client, key, span),
  kind: 'put',
  value,
  outcome: acked(span),
})
const del = (client: string, span: Span, key = 'x'): KvHistoryOp => ({ ...base(client, key, span), kind: 'delete', outcome: acked(span) })
const get = (client: string, value: string | null, span: Span, key = 'x'): KvHistoryOp => ({
  ...base(client, key, span),
  kind: 'get',
  outcome: { ...acked(span), value },
})
const cas = (client: string, expected: string | null, value: string, swapped: boolean, span: Span, key = 'x'): KvHistoryOp => ({
  ...base(client, key, span),
  kind: 'cas',
  expected,
  value,
  outcome: { ...acked(span), swapped },
})
const timedOutPut = (client: string, value: string, calledAt: number, key = 'x'): KvHistoryOp => ({
  ...base(client, key, [calledAt, calledAt]),
  kind: 'put',
  value,
  outcome: { status: 'info', returnedAt: null },
})
const rejectedPut = (client: string, value: string, span: Span, key = 'x'): KvHistoryOp => ({
  ...base(client, key, span),
  kind: 'put',
  value,
  outcome: { status: 'fail', returnedAt: span[1] },
})

const verdict = (history: KvHistoryOp[]) => checkKvHistory(history, options).linearizable

t.test('sequential and overlapping histories that are linearizable', async (t) => {
  t.equal(verdict([]), true, 'the empty history')
  t.equal(verdict([get('a', null, [0, 1])]), true, 'a read of a key never written sees it absent')
  t.equal(verdict([put('a', '1', [0, 1]), get('b', '1', [2, 3])]), true)
  t.equal(verdict([put('a', '1', [0, 10]), get('b', null, [1, 2]), get('b', '1', [3, 4])]), true, 'a slow write takes effect between two reads')
  t.equal(verdict([put('a', '1', [0, 5]), get('b', null, [5, 6])]), true, 'intervals that only touch count as concurrent')
  t.equal(verdict([put('a', '1', [0, 1]), del('a', [2, 3]), get('b', null, [4, 5])]), true, 'delete makes the key absent')
})

t.test('a stale read after a completed write is caught and explained', async (t) => {
  const history = [put('w', 'a', [0, 1]), put('w', 'b', [2, 3]), get('r', 'a', [4, 5])]
  const report = checkKvHistory(history, options)
  t.equal(report.linearizable, false)
  t.equal(report.violations.length, 1)
  const explanation = report.violations[0]
  t.equal(explanation?.key, 'x')
  t.equal(explanation?.blockedOp.id, history[2]?.id, 'the stale read is the operation that cannot be placed')
  t.same(
    explanation?.longestLinearizablePrefix.map((op) => [op.id, op.valueAfter]),
    [
      [history[0]?.id, '"a"'],
      [history[1]?.id, '"b"'],
    ],
  )
  t.match(explanation?.message, /value is "b".*get → "a".*cannot be linearized/)
})

t.test('concurrent writes observed in inconsistent orders', async (t) => {
  const writes = () => [put('w1', 'a', [0, 10]), put('w2', 'b', [0, 10])]
  t.equal(
    verdict([...writes(), get('r1', 'a', [1, 2]), get('r1', 'b', [3, 4]), get('r2', 'b', [5, 6]), get('r2', 'a', [7, 8])]),
    false,
    'one reader sees a then b, a later one sees b then a',
  )
  t.equal(
    verdict([...writes(), get('r1', 'a', [1, 2]), get('r1', 'b', [3, 4]), get('r2', 'b', [5, 6]), get('r2', 'b', [7, 8])]),
    true,
    'both readers agree on a then b',
  )
  t.equal(
    verdict([...writes(), get('r1', 'b', [1, 4]), get('r2', 'a', [2, 3])]),
    true,
    'overlapping reads may see the writes in either order',
  )
})

t.test('compare-and-set anomalies', async (t) => {
  t.equal(verdict([put('a', 'v', [0, 1]), cas('b', 'v', 'w', true, [2, 3]), get('c', 'w', [4, 5])]), true)
  t.equal(verdict([cas('a', null, 'v', true, [0, 1]), get('b', 'v', [2, 3])]), true, 'create-if-absent on an absent key')
  t.equal(verdict([put('a', 'v', [0, 1]), cas('b', 'z', 'w', false, [2, 3]), get('c', 'v', [4, 5])]), true, 'a refused CAS is a read')
  t.equal(
    verdict([put('a', 'v', [0, 1]), cas('b', 'v', 'w', true, [2, 3]), cas('c', 'v', 'u', true, [4, 5])]),
    false,
    'two sequential CASes both swapping from the same value',
  )
  t.equal(
    verdict([put('a', 'v', [0, 10]), cas('b', 'v', 'w', true, [1, 9]), cas('c', 'v', 'u', true, [2, 8])]),
    false,
    'two concurrent CASes cannot both win against one write',
  )
  t.equal(verdict([put('a', 'v', [0, 1]), cas('b', 'v', 'w', false, [2, 3])]), false, 'a CAS refused although the value matched')
  t.equal(verdict([put('a', 'v', [0, 1]), cas('b', 'v', 'w', true, [2, 3]), get('c', 'v', [4, 5])]), false, 'a swap that did not stick')
})

t.test('indeterminate and failed operations', async (t) => {
  t.equal(
    verdict([put('a', '1', [0, 1]), timedOutPut('b', '2', 2), get('c', '1', [4, 5]), get('c', '2', [6, 7])]),
    true,
    'a timed-out write may take effect long after the client gave up',
  )
  t.equal(verdict([put('a', '1', [0, 1]), timedOutPut('b', '2', 2), get('c', '1', [4, 5])]), true, 'or never')
  t.equal(
    verdict([put('a', '1', [0, 1]), timedOutPut('b', '2', 2), get('c', '2', [4, 5]), get('c', '1', [6, 7])]),
    false,
    'but not be undone once seen',
  )
  t.equal(verdict([put('a', '1', [10, 11]), timedOutPut('b', '2', 20), get('c', '2', [0, 1])]), false, 'nor take effect before its call')
  t.equal(verdict([put('a', '1', [0, 1]), rejectedPut('b', '2', [2, 3]), get('c', '2', [4, 5])]), false, 'a failed write never happened')
  const unansweredRead: KvHistoryOp = { ...base('c', 'x', [0, 0]), kind: 'get', outcome: { status: 'info', returnedAt: 3 } }
  t.equal(verdict([put('a', '1', [0, 1]), unansweredRead]), true, 'a read that never answered constrains nothing')
  const timedOutCas: KvHistoryOp = {
    ...base('b', 'x', [2, 2]),
    kind: 'cas',
    expected: '1',
    value: '2',
    outcome: { status: 'info', returnedAt: 3 },
  }
  t.equal(verdict([put('a', '1', [0, 1]), timedOutCas, get('c', '2', [4, 5])]), true, 'a timed-out CAS may have swapped')
  t.equal(verdict([put('a', '1', [0, 1]), timedOutCas, get('c', '1', [4, 5])]), true, 'or not')
})

t.test('keys are checked independently and reported per key', async (t) => {
  const report = checkKvHistory(
    [put('a', '1', [0, 1], 'good'), get('b', '1', [2, 3], 'good'), put('a', '1', [0, 1], 'bad'), get('b', '2', [2, 3], 'bad')],
    options,
  )
  t.equal(report.linearizable, false)
  t.same(
    report.perKey.map((key) => [key.key, key.linearizable, key.opCount]),
    [
      ['bad', false, 2],
      ['good', true, 2],
    ],
  )
  t.equal(report.violations[0]?.key, 'bad')
})

t.test('a key that exhausts its budget is unknown, not hung', async (t) => {
  const history = simulateKvHistory({ clients: 8, keys: 2, ops: 200, indeterminateRate: 0.1, failRate: 0 }, new SeededRandom(7))
  const report = checkKvHistory(history, { ...options, perKeyMaxSteps: 5 })
  t.equal(report.linearizable, 'unknown')
  t.ok(report.perKey.every((key) => key.linearizable === 'unknown' && key.exhausted === 'steps'))
  let fakeNow = 0
  const slowClock = checkKvHistory(history, { now: () => (fakeNow += 1000), perKeyTimeLimitMs: 1 })
  t.ok(slowClock.perKey.every((key) => key.linearizable === 'unknown' && key.exhausted === 'time'), 'the time limit follows the injected clock')
})

t.test('property: simulated sequential executions are always linearizable', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 3 }),
      // Up to 200 operations, so that histories longer than the first searched prefix (64) occur.
      fc.integer({ min: 0, max: 200 }),
      (seed, clients, keys, ops) => {
        const history = simulateKvHistory({ clients, keys, ops, indeterminateRate: 0.15, failRate: 0.05 }, new SeededRandom(seed))
        return checkKvHistory(history, options).linearizable === true
      },
    ),
    { numRuns: 300 },
  )
  t.pass('300 simulated histories checked')
})

t.test('property: one read changed to a value never written is always caught', async (t) => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      fc.integer({ min: 1, max: 6 }),
      fc.integer({ min: 1, max: 3 }),
      fc.integer({ min: 1, max: 200 }),
      fc.nat(),
      (seed, clients, keys, ops, which) => {
        const history = simulateKvHistory({ clients, keys, ops, indeterminateRate: 0.15, failRate: 0.05 }, new SeededRandom(seed))
        const reads = history.flatMap((op, index) => (op.kind === 'get' && op.outcome.status === 'ok' ? [index] : []))
        fc.pre(reads.length > 0)
        const index = reads[which % reads.length] as number
        const read = history[index] as KvHistoryOp & { kind: 'get' }
        const returnedAt = read.outcome.returnedAt ?? 0
        history[index] = { ...read, outcome: { status: 'ok', returnedAt, value: 'never-written' } }
        const report = checkKvHistory(history, options)
        return report.linearizable === false && report.violations.length === 1 && report.violations[0]?.key === read.key
      },
    ),
    { numRuns: 300 },
  )
  t.pass('300 mutated histories checked')
})

t.test('a violation early in a long history is found without searching all of it', async (t) => {
  const history = simulateKvHistory({ clients: 8, keys: 1, ops: 1000, indeterminateRate: 0.05, failRate: 0 }, new SeededRandom(11))
  const early = history.findIndex((op, index) => index > 20 && op.kind === 'get' && op.outcome.status === 'ok')
  const read = history[early] as KvHistoryOp & { kind: 'get' }
  if (read.outcome.status !== 'ok') throw new Error('expected an acknowledged read')
  history[early] = { ...read, outcome: { ...read.outcome, value: 'never-written' } }
  const report = checkKvHistory(history, options)
  const verdict = report.perKey[0]
  t.equal(verdict?.linearizable, false)
  t.ok((verdict?.steps ?? Infinity) < 50_000, `decided in ${verdict?.steps} steps`)
  t.ok(
    report.violations[0]?.longestLinearizablePrefix.every((op) => op.calledAt <= read.calledAt + 100),
    'the explanation is about the start of the history',
  )
})

t.test('a larger history is decided well inside the default step budget', async (t) => {
  const history = simulateKvHistory({ clients: 16, keys: 20, ops: 2000, indeterminateRate: 0.05, failRate: 0.02 }, new SeededRandom(42))
  const report = checkKvHistory(history, options)
  t.equal(report.linearizable, true)
  t.ok(report.perKey.every((key) => key.steps < 100_000), 'no key needed more than 100k steps')
})

t.test('parsing a history from outside names the bad input', async (t) => {
  const good = { id: 'a', client: 'c', key: 'k', calledAt: 0, kind: 'put', value: 'v', outcome: { status: 'ok', returnedAt: 1 } }
  t.same(parseKvHistory([good]), [good])
  t.throws(() => parseKvHistory({}), /must be an array/)
  t.throws(() => parseKvHistory([{ ...good, kind: 'append' }]), /operation #0 \("a"\) is malformed at kind/)
  t.throws(() => parseKvHistory([{ ...good, kind: 'get' }]), /"a"\) is malformed at outcome.value/)
  t.throws(() => parseKvHistory([good, good]), /id "a" appears more than once/)
  t.throws(() => parseKvHistory([{ ...good, calledAt: 5 }]), /"a" returned at 1, before it was called at 5/)
})

/** Tries every order of a tiny single-key history: the definition of linearizability, literally. */
function linearizableByBruteForce(history: readonly KvHistoryOp[]): boolean {
  const relevant = history.filter((op) => op.outcome.status !== 'fail' && !(op.kind === 'get' && op.outcome.status === 'info'))
  const returnOf = (op: KvHistoryOp) => (op.outcome.status === 'ok' ? op.outcome.returnedAt : Infinity)
  const apply = (state: string | null, op: KvHistoryOp): { ok: boolean; state: string | null } => {
    const sure = op.outcome.status === 'ok'
    switch (op.kind) {
      case 'put':
        return { ok: true, state: op.value }
      case 'delete':
        return { ok: true, state: null }
      case 'get':
        return { ok: op.outcome.status === 'ok' && op.outcome.value === state, state }
      case 'cas': {
        const matches = state === op.expected
        const ok = !sure || (op.outcome.status === 'ok' && op.outcome.swapped === matches)
        return { ok, state: matches ? op.value : state }
      }
    }
  }
  const search = (remaining: KvHistoryOp[], state: string | null): boolean => {
    if (remaining.every((op) => op.outcome.status === 'info')) return true
    return remaining.some((op) => {
      if (remaining.some((other) => returnOf(other) < op.calledAt)) return false
      const stepped = apply(state, op)
      return stepped.ok && search(remaining.filter((other) => other !== op), stepped.state)
    })
  }
  return search(relevant, null)
}

t.test('property: agrees with brute force on tiny random histories', async (t) => {
  const value = fc.constantFrom('a', 'b')
  const span = fc.tuple(fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 4 }))
  // Many timeouts, to exercise the pruning of configurations with optional operations.
  const outcomeStatus = fc.constantFrom('ok', 'ok', 'info', 'info', 'fail')
  const op = fc.tuple(
    fc.constantFrom('put', 'get', 'cas', 'delete'),
    value,
    fc.option(value),
    fc.boolean(),
    span,
    outcomeStatus,
  )
  let violations = 0
  fc.assert(
    fc.property(fc.array(op, { maxLength: 7 }), (ops) => {
      const history = ops.map(([kind, v, maybe, flag, [calledAt, length], status], index): KvHistoryOp => {
        const identity = { id: `op${index}`, client: `c${index}`, key: 'x', calledAt }
        const returnedAt = calledAt + length
        const unsure = status === 'fail' ? ({ status, returnedAt } as const) : ({ status: 'info', returnedAt } as const)
        switch (kind) {
          case 'put':
            return { ...identity, kind, value: v, outcome: status === 'ok' ? { status, returnedAt } : unsure }
          case 'delete':
            return { ...identity, kind, outcome: status === 'ok' ? { status, returnedAt } : unsure }
          case 'get':
            return { ...identity, kind, outcome: status === 'ok' ? { status, returnedAt, value: maybe } : unsure }
          case 'cas':
            return { ...identity, kind, expected: maybe, value: v, outcome: status === 'ok' ? { status, returnedAt, swapped: flag } : unsure }
        }
      })
      const expected = linearizableByBruteForce(history)
      if (!expected) violations++
      return checkKvHistory(history, options).linearizable === expected
    }),
    { numRuns: 2000 },
  )
  t.ok(violations > 200, `the random histories include non-linearizable ones (${violations} of 2000)`)
})
