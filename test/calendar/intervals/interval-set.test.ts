import t from 'tap'
import fc from 'fast-check'
import { IntervalSet, type Interval } from '../../../src/calendar/intervals/interval-set.js'
import { CalendarInputError } from '../../../src/calendar/calendar-input-error.js'
import { IntervalCursor } from '../../../src/calendar/intervals/interval-cursor.js'

// Small integer boundaries make collisions (touching, equal, nested intervals) frequent,
// which is where interval code usually breaks.
const rawInterval = fc
  .tuple(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 12 }))
  .map(([start, length]): Interval => ({ start, end: start + length }))
const rawList = fc.array(rawInterval, { maxLength: 8 })
const set = rawList.map((list) => IntervalSet.of(list))
const windowArb = fc
  .tuple(fc.integer({ min: 0, max: 70 }), fc.integer({ min: 0, max: 70 }))
  .map(([a, b]): Interval => ({ start: Math.min(a, b), end: Math.max(a, b) }))

/** The independent oracle: is the half-open unit cell [x, x+1) covered by any raw interval? */
function naiveCovers(list: readonly Interval[], x: number): boolean {
  return list.some((i) => i.start <= x && x + 1 <= i.end)
}
const cells = Array.from({ length: 75 }, (_, x) => x)
const cellsOf = (s: IntervalSet): boolean[] => cells.map((x) => s.containsInterval({ start: x, end: x + 1 }))

const property = <Ts extends [unknown, ...unknown[]]>(name: string, prop: fc.IPropertyWithHooks<Ts>): void => {
  t.test(name, async (tt) => {
    fc.assert(prop, { seed: 4242, numRuns: 400 })
    tt.pass(name)
  })
}

function isNormal(s: IntervalSet): boolean {
  const b = s.boundaries()
  return b.length % 2 === 0 && b.every((v, i) => i === 0 || v > b[i - 1]!)
}

t.test('examples', async (t) => {
  const a = IntervalSet.of([
    { start: 10, end: 20 },
    { start: 20, end: 25 }, // touches: merged
    { start: 30, end: 30 }, // empty: dropped
    { start: 40, end: 50 },
    { start: 45, end: 48 }, // nested
  ])
  t.same(a.intervals(), [
    { start: 10, end: 25 },
    { start: 40, end: 50 },
  ])
  t.equal(a.totalLength(), 25)
  t.equal(a.count, 2)
  const b = IntervalSet.of([{ start: 22, end: 42 }])
  t.same(a.union(b).intervals(), [{ start: 10, end: 50 }])
  t.same(a.intersect(b).intervals(), [
    { start: 22, end: 25 },
    { start: 40, end: 42 },
  ])
  t.same(a.subtract(b).intervals(), [
    { start: 10, end: 22 },
    { start: 42, end: 50 },
  ])
  t.same(a.complement({ start: 0, end: 60 }).intervals(), [
    { start: 0, end: 10 },
    { start: 25, end: 40 },
    { start: 50, end: 60 },
  ])
  t.same(a.clip({ start: 15, end: 45 }).intervals(), [
    { start: 15, end: 25 },
    { start: 40, end: 45 },
  ])
  // Half-open: the end instant is outside.
  t.equal(a.containsInstant(10), true)
  t.equal(a.containsInstant(25), false)
  t.equal(a.containsInstant(9), false)
  t.equal(a.overlaps({ start: 25, end: 40 }), false)
  t.equal(a.overlaps({ start: 24, end: 40 }), true)
  t.equal(a.overlaps({ start: 30, end: 30 }), false)
  t.equal(a.containsInterval({ start: 40, end: 50 }), true)
  t.equal(a.containsInterval({ start: 20, end: 41 }), false)
  t.equal(a.overlapLength({ start: 20, end: 45 }), 10)
  t.equal(IntervalSet.empty.isEmpty, true)
  t.equal(IntervalSet.unionAll([a, b, IntervalSet.empty]).equals(a.union(b)), true)
})

t.test('bad intervals are rejected with the field named', async (t) => {
  t.throws(() => IntervalSet.of([{ start: 5, end: 1 }], 'busy'), new CalendarInputError('busy[0]', 'busy[0]: end 1 is before start 5'))
  t.throws(() => IntervalSet.span(0, Number.NaN, 'window'), CalendarInputError)
  t.throws(() => IntervalSet.span(0, Infinity), /finite/)
})

property(
  'normal form: sorted, disjoint, non-touching, no empty intervals',
  fc.property(set, set, (a, b) =>
    [a, b, a.union(b), a.intersect(b), a.subtract(b), a.complement({ start: 5, end: 55 })].every(isNormal),
  ),
)

property(
  'construction agrees with the naive oracle cell by cell, and total length counts cells',
  fc.property(rawList, (list) => {
    const s = IntervalSet.of(list)
    const covered = cells.map((x) => naiveCovers(list, x))
    return cellsOf(s).every((c, i) => c === covered[i]) && s.totalLength() === covered.filter(Boolean).length
  }),
)

property(
  'operations agree with the oracle',
  fc.property(rawList, rawList, windowArb, (la, lb, w) => {
    const a = IntervalSet.of(la)
    const b = IntervalSet.of(lb)
    const inW = (x: number): boolean => w.start <= x && x + 1 <= w.end
    const u = cellsOf(a.union(b))
    const n = cellsOf(a.intersect(b))
    const d = cellsOf(a.subtract(b))
    const c = cellsOf(a.complement(w))
    return cells.every((x, i) => {
      const ia = naiveCovers(la, x)
      const ib = naiveCovers(lb, x)
      return u[i] === (ia || ib) && n[i] === (ia && ib) && d[i] === (ia && !ib) && c[i] === (inW(x) && !ia)
    })
  }),
)

property(
  'commutativity of union and intersection',
  fc.property(set, set, (a, b) => a.union(b).equals(b.union(a)) && a.intersect(b).equals(b.intersect(a))),
)

property(
  'associativity of union and intersection',
  fc.property(
    set,
    set,
    set,
    (a, b, c) =>
      a.union(b).union(c).equals(a.union(b.union(c))) && a.intersect(b).intersect(c).equals(a.intersect(b.intersect(c))),
  ),
)

property(
  'idempotence, identity and annihilation',
  fc.property(
    set,
    (a) =>
      a.union(a).equals(a) &&
      a.intersect(a).equals(a) &&
      a.union(IntervalSet.empty).equals(a) &&
      a.intersect(IntervalSet.empty).isEmpty &&
      a.subtract(a).isEmpty,
  ),
)

property(
  'distributivity of intersection over union',
  fc.property(set, set, set, (a, b, c) => a.intersect(b.union(c)).equals(a.intersect(b).union(a.intersect(c)))),
)

property(
  'De Morgan within a window',
  fc.property(set, set, windowArb, (a, b, w) => {
    const notUnion = a.union(b).complement(w)
    const notIntersection = a.intersect(b).complement(w)
    return (
      notUnion.equals(a.complement(w).intersect(b.complement(w))) &&
      notIntersection.equals(a.complement(w).union(b.complement(w)))
    )
  }),
)

property(
  'double complement is clipping; complement partitions the window',
  fc.property(set, windowArb, (a, w) => {
    const c = a.complement(w)
    return (
      c.complement(w).equals(a.clip(w)) &&
      c.intersect(a).isEmpty &&
      c.union(a.clip(w)).equals(IntervalSet.span(w.start, w.end)) &&
      c.totalLength() + a.clip(w).totalLength() === w.end - w.start
    )
  }),
)

property(
  'subtract equals intersect with the complement (inside a window covering both)',
  fc.property(set, set, (a, b) => {
    const w = { start: 0, end: 80 }
    return a.subtract(b).equals(a.intersect(b.complement(w)))
  }),
)

property(
  'inclusion-exclusion of total length',
  fc.property(
    set,
    set,
    (a, b) => a.union(b).totalLength() + a.intersect(b).totalLength() === a.totalLength() + b.totalLength(),
  ),
)

property(
  'point queries agree with intersection',
  fc.property(set, windowArb, (a, w) => {
    const part = a.intersect(IntervalSet.span(w.start, w.end))
    return (
      a.overlaps(w) === !part.isEmpty &&
      a.overlapLength(w) === part.totalLength() &&
      a.containsInterval(w) === (part.totalLength() === w.end - w.start)
    )
  }),
)

property(
  'a cursor answers every query like the set, whether the queries go forward or back',
  // Many short intervals, so that the cursor's walk-then-jump path is taken too.
  fc.property(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: 4 })), { maxLength: 60 }).map((l) =>
      IntervalSet.of(l.map(([start, length]) => ({ start, end: start + length }))),
    ),
    fc.array(fc.tuple(fc.integer({ min: 0, max: 310 }), fc.integer({ min: 0, max: 30 })).map(([start, length]) => ({ start, end: start + length })), { maxLength: 30 }),
    fc.boolean(),
    (a, queries, sorted) => {
    const cursor = new IntervalCursor(a)
    const order = sorted ? [...queries].sort((x, y) => x.start - y.start) : queries
    return order.every((q) => cursor.overlaps(q) === a.overlaps(q) && cursor.overlapLength(q) === a.overlapLength(q))
    },
  ),
)
