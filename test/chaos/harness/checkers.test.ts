/**
 * The chaos checkers must bite: each is fed deliberately broken evidence (a read of a value never
 * written, an acknowledged write that vanished, two leaders in one term, a replica with different
 * state) and must report it, and clean evidence must pass. The KV workload is also run against an
 * in-memory store that acknowledges writes it then forgets, the way a node that acknowledges before
 * persisting behaves after a crash.
 */
import t from 'tap'
import type { KvHistoryOp } from '../../../src/chaos/linearizability/kv-history.js'
import { SeededRandom } from '../../../src/chaos/seeded-random.js'
import { checkBookings } from '../../../src/chaos/harness/booking-checks.js'
import { checksPass, combineFindings } from '../../../src/chaos/harness/chaos-checks.js'
import { buildChaosReport } from '../../../src/chaos/harness/chaos-report.js'
import { checkOfficeHistories } from '../../../src/chaos/harness/kv-linearizability-check.js'
import { KvWorkload, type KvCaller } from '../../../src/chaos/harness/kv-workload.js'
import { checkLeaderUniqueness } from '../../../src/chaos/harness/leader-uniqueness-check.js'
import { findLostAcknowledgedWrites } from '../../../src/chaos/harness/lost-writes-check.js'
import { checkReplicaStates, type ReplicaState } from '../../../src/chaos/harness/replica-state-check.js'

const put = (id: string, key: string, value: string, calledAt: number, returnedAt: number | null): KvHistoryOp => ({
  id,
  client: id,
  key,
  calledAt,
  kind: 'put',
  value,
  outcome: returnedAt === null ? { status: 'info', returnedAt: null } : { status: 'ok', returnedAt },
})
const get = (id: string, key: string, value: string | null, calledAt: number, returnedAt: number): KvHistoryOp => ({
  id,
  client: id,
  key,
  calledAt,
  kind: 'get',
  outcome: { status: 'ok', returnedAt, value },
})
const budget = { perKeyTimeLimitMs: 5000, now: () => 0 }

t.test('linearizability: a read of a value never written is a violation', async (t) => {
  const clean = [put('w1', 'k', 'a', 0, 10), get('r1', 'k', 'a', 20, 30)]
  const broken = [put('w1', 'k', 'a', 0, 10), get('r1', 'k', 'zombie', 20, 30)]
  const good = checkOfficeHistories(new Map([['nyc', clean]]), budget)
  t.equal(good.linearizable, true)
  const bad = checkOfficeHistories(new Map([['nyc', broken]]), budget)
  t.equal(bad.linearizable, false)
  t.equal(bad.linearizability?.violatedKeys, 1)
  t.equal(bad.linearizability?.unknownKeys, 0)
  t.match(bad.problems?.[0], /office nyc: key "k"/)
})

t.test('linearizability: a stale read after a completed write is a violation', async (t) => {
  const history = [put('w1', 'k', 'a', 0, 10), put('w2', 'k', 'b', 20, 30), get('r1', 'k', 'a', 40, 50)]
  t.equal(checkOfficeHistories(new Map([['lon', history]]), budget).linearizable, false)
})

t.test('linearizability: a key out of search budget is unknown, and unknown is not linearizable', async (t) => {
  // Many concurrent indeterminate writes and reads make the search large; a clock that jumps an
  // hour per reading exhausts any time budget at the first look.
  const history: KvHistoryOp[] = []
  for (let i = 0; i < 40; i++) history.push(put(`w${i}`, 'k', `v${i}`, i, null))
  for (let i = 0; i < 40; i++) history.push(get(`r${i}`, 'k', `v${(i * 7) % 40}`, 100 + i, 200 + i))
  let clock = 0
  const findings = checkOfficeHistories(new Map([['nyc', history]]), { perKeyTimeLimitMs: 1, now: () => (clock += 3_600_000) })
  t.equal(findings.linearizability?.unknownKeys, 1)
  t.equal(findings.linearizability?.violatedKeys, 0)
  t.equal(findings.linearizable, false, 'not proven, so not reported linearizable')
})

t.test('lost acknowledged writes', async (t) => {
  const history = [put('w1', 'k', 'a', 0, 10), put('w2', 'k', 'b', 20, 30), put('w3', 'j', 'x', 0, 10)]
  t.same(findLostAcknowledgedWrites(history, new Map([['k', 'b'], ['j', 'x']])), [], 'the latest values survived')
  const lost = findLostAcknowledgedWrites(history, new Map([['k', 'a'], ['j', null]]))
  t.same(
    lost.map((write) => write.opId).sort(),
    ['w2', 'w3'],
    'w2 lost (its predecessor is back), w3 lost (the key is gone and nothing deleted it)',
  )
  const concurrent = [put('w1', 'k', 'a', 0, 30), put('w2', 'k', 'b', 10, 20)]
  t.same(findLostAcknowledgedWrites(concurrent, new Map([['k', 'a']])), [], 'a concurrent write may legitimately win')
  const lateIndeterminate = [put('w1', 'k', 'a', 0, 10), put('w2', 'k', 'b', 5, null)]
  t.same(findLostAcknowledgedWrites(lateIndeterminate, new Map([['k', 'b']])), [], 'an indeterminate write may land after an acknowledged one')
  t.equal(findLostAcknowledgedWrites(history, new Map([['k', 'never-written']])).length, 2, 'a value nobody wrote loses every acknowledged write')
})

t.test('at most one leader per term', async (t) => {
  const observations = [
    { office: 'nyc', term: 4, node: 'nyc-1', atMs: 0 },
    { office: 'nyc', term: 5, node: 'nyc-2', atMs: 10 },
    { office: 'lon', term: 5, node: 'lon-1', atMs: 10 },
  ]
  t.equal(checkLeaderUniqueness(observations).multipleLeadersInATerm, 0, 'same term in different offices is fine')
  const split = checkLeaderUniqueness([...observations, { office: 'nyc', term: 5, node: 'nyc-3', atMs: 20 }])
  t.equal(split.multipleLeadersInATerm, 1)
  t.match(split.problems?.[0], /office nyc: term 5 had 2 leaders \(nyc-2, nyc-3\)/)
})

t.test('replicas must hold identical state', async (t) => {
  const state = (node: string, fingerprint: string | null, appliedIndex = 50): ReplicaState => ({ node, office: 'nyc', appliedIndex, fingerprint })
  t.equal(checkReplicaStates([state('nyc-1', 'A'), state('nyc-2', 'A'), state('nyc-3', 'A')]).divergentReplicas, 0)
  const diverged = checkReplicaStates([state('nyc-1', 'A'), state('nyc-2', 'B'), state('nyc-3', 'A')])
  t.equal(diverged.divergentReplicas, 1)
  t.match(diverged.problems?.[0], /nyc-2/)
  t.equal(checkReplicaStates([state('nyc-1', 'A'), state('nyc-2', 'A', 49), state('nyc-3', 'A')]).divergentReplicas, 1, 'a different applied index counts')
  t.equal(checkReplicaStates([state('nyc-1', 'A'), state('nyc-2', null), state('nyc-3', 'A')]).divergentReplicas, 1, 'an unreadable replica counts')
})

t.test('bookings: overlapping confirmed meetings and lost bookings are caught', async (t) => {
  const hour = 3_600_000
  const meeting = (meetingId: string, startH: number, hours = 1) => ({ meetingId, startMs: startH * hour, endMs: (startH + hours) * hour })
  const booked = [
    { id: 'mtg-nyc-1', participants: ['ann', 'bob'] },
    { id: 'mtg-nyc-2', participants: ['ann'] },
  ]
  const clean = checkBookings(new Map([['ann', [meeting('mtg-nyc-1', 9), meeting('mtg-nyc-2', 10)]], ['bob', [meeting('mtg-nyc-1', 9)]]]), booked)
  t.equal(clean.doubleBookings, 0, 'back-to-back meetings do not overlap')
  t.equal(clean.lostAcknowledgedWrites, 0)
  const overlapping = checkBookings(new Map([['ann', [meeting('mtg-nyc-1', 9), meeting('mtg-nyc-2', 9.5)]], ['bob', [meeting('mtg-nyc-1', 9)]]]), booked)
  t.equal(overlapping.doubleBookings, 1)
  t.match(overlapping.problems?.[0], /ann is double-booked: mtg-nyc-1 and mtg-nyc-2/)
  const twice = checkBookings(new Map([['ann', [meeting('mtg-nyc-1', 9), meeting('mtg-nyc-1', 9), meeting('mtg-nyc-2', 10)]], ['bob', [meeting('mtg-nyc-1', 9)]]]), booked)
  t.equal(twice.doubleBookings, 1, 'a meeting applied twice shows as an overlap with itself')
  const lost = checkBookings(new Map([['ann', [meeting('mtg-nyc-1', 9)]], ['bob', []]]), booked)
  t.equal(lost.lostAcknowledgedWrites, 2, "mtg-nyc-1 missing from bob's agenda, mtg-nyc-2 from ann's")
  t.equal(checkBookings(new Map([['ann', [meeting('mtg-nyc-1', 9), meeting('mtg-nyc-2', 10)]]]), booked).lostAcknowledgedWrites, 0, 'an unread agenda is not judged')
})

t.test('unexercised checks report neutral values and stay out of "exercised"; any failure fails the run', async (t) => {
  const clean = combineFindings([{ linearizable: true, lostAcknowledgedWrites: 0 }, { quiesced: true }])
  t.same(clean.exercised, ['linearizable', 'lostAcknowledgedWrites', 'quiesced'])
  t.equal(clean.checks.doubleBookings, 0)
  t.ok(checksPass(clean.checks))
  t.notOk(checksPass(combineFindings([{ linearizable: false }]).checks))
  t.notOk(checksPass(combineFindings([{ divergentReplicas: 1 }]).checks))
  t.notOk(checksPass(combineFindings([{ quiesced: false }]).checks))
  t.notOk(checksPass(combineFindings([{ replicaCrashes: 1 }]).checks))
})

t.test('report: recovery is measured from the heal to the first later write in every touched office', async (t) => {
  const report = buildChaosReport({
    seed: 3,
    durationS: 10,
    offices: [{ id: 'nyc', replicas: ['nyc-1'] }],
    faultKinds: ['kill'],
    workloads: ['kv'],
    faults: [
      { kind: 'kill', target: 'nyc-1', atS: 2, endS: 4, offices: ['nyc'], skipped: null },
      { kind: 'partition', target: 'isolate lon-1', atS: 5, endS: 6, offices: ['nyc', 'lon'], skipped: null },
      { kind: 'pause', target: 'nyc-1', atS: 7, endS: null, offices: ['nyc'], skipped: 'the replica is already down' },
    ],
    ops: { attempted: 3, acknowledged: 3, failed: 0, indeterminate: 0 },
    opsByWorkload: { kv: { attempted: 3, acknowledged: 3, failed: 0, indeterminate: 0 } },
    opsByKind: {},
    completions: [
      { office: 'nyc', returnedAtMs: 1000 + 3900, write: true },
      { office: 'nyc', returnedAtMs: 1000 + 4500, write: false },
      { office: 'nyc', returnedAtMs: 1000 + 5250, write: true },
    ],
    findings: [{ linearizable: true }],
    startMs: 1000,
    replay: 'dms chaos --seed 3',
  })
  t.equal(report.faults[0]?.recoveredAfterS, 1.25, 'reads do not count; the first write after 4 s is at 5.25 s')
  t.equal(report.faults[1]?.recoveredAfterS, null, 'lon never wrote again')
  t.equal(report.skippedFaults.length, 1)
  t.same(report.throughputPerS.slice(0, 6), [0, 0, 0, 1, 1, 1])
  t.equal(report.ok, true)
})

/**
 * An office as one in-memory map. `forgetEvery` acknowledges every nth put without keeping it:
 * what a node that acknowledges before persisting looks like after it crashes.
 */
function inMemoryOffice(stopAfterCalls: number, stop: () => void, forgetEvery: number | null): KvCaller {
  const data = new Map<string, string>()
  let calls = 0
  let puts = 0
  const call = async (method: string, params: { key: string; value?: string; expected?: { value: string | null } }) => {
    // A macrotask per call, as a network round trip would take, so the workload's loop yields.
    await new Promise((resolve) => setImmediate(resolve))
    if (++calls === stopAfterCalls) stop()
    const current = data.get(params.key) ?? null
    const result = { key: params.key, value: current, revision: 0, storeRevision: 0 }
    switch (method) {
      case 'kv.get':
        return result
      case 'kv.put':
        if (forgetEvery === null || ++puts % forgetEvery !== 0) data.set(params.key, params.value ?? '')
        return { ...result, value: params.value ?? '' }
      case 'kv.cas':
        if (current !== (params.expected?.value ?? null)) return { ...result, ok: false }
        data.set(params.key, params.value ?? '')
        return { ...result, value: params.value ?? '', ok: true }
      default:
        throw new Error(`unexpected method ${method}`)
    }
  }
  return { call: call as unknown as KvCaller['call'] }
}

async function runInMemoryWorkload(forgetEvery: number | null): Promise<KvWorkload> {
  let clock = 0
  let announceStop: () => void = () => {}
  const stopRequested = new Promise<void>((resolve) => (announceStop = resolve))
  const office = inMemoryOffice(400, () => announceStop(), forgetEvery)
  const workload = new KvWorkload({
    offices: ['nyc'],
    clientFor: () => office,
    clientsPerOffice: 4,
    keysPerOffice: 5,
    random: new SeededRandom(11),
    now: () => ++clock,
    perKeyCheckLimitMs: 5000,
  })
  workload.start()
  await stopRequested
  await workload.stop()
  return workload
}

t.test('the KV workload against a correct store passes, against one that forgets acknowledged puts fails', async (t) => {
  const correct = await runInMemoryWorkload(null)
  await correct.settle()
  const good = await correct.check()
  t.ok(correct.counts().acknowledged >= 400, `${correct.counts().acknowledged} operations acknowledged`)
  t.equal(good.linearizable, true)
  t.equal(good.lostAcknowledgedWrites, 0)

  const forgetful = await runInMemoryWorkload(3)
  await forgetful.settle()
  const bad = await forgetful.check()
  t.equal(bad.linearizable, false, 'the forgotten writes break linearizability')
  t.ok((bad.lostAcknowledgedWrites ?? 0) > 0, `lost acknowledged writes found (${bad.lostAcknowledgedWrites})`)
})
