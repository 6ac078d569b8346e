import t, { type Test } from 'tap'
import { join } from 'node:path'
import type { Entry } from '../../raft/types.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { OfficeStateMachine } from '../../src/office/office-state-machine.js'
import { encodeProposal, type OfficeOutcome } from '../../src/office/office-command.js'
import type { KvCommand } from '../../src/kv/kv-command.js'
import { readKvKey, readKvPrefix } from '../../src/kv/kv-read.js'
import { defaultWorkSchedule } from '../../src/calendar/availability/work-schedule.js'

async function openMachine(t: Test, dir: string, retention?: number): Promise<{ machine: OfficeStateMachine; db: ReplicaDb }> {
  const db = await ReplicaDb.open(dir, { clusterId: 'c', replicaId: 'r' })
  t.teardown(() => db.close())
  const store = await StateMachineStore.open(db)
  const office = { officeId: 'nyc', schedule: defaultWorkSchedule('America/New_York') }
  return { machine: new OfficeStateMachine(store, retention === undefined ? { office } : { office, requestRetentionEntries: retention }), db }
}

const kv = (index: number, requestId: string, command: KvCommand): Entry => ({
  kind: 'command',
  term: 1,
  index,
  data: encodeProposal({ requestId, command: { kind: 'kv', command }, atMs: 0 }),
})

const kvResult = (outcome: OfficeOutcome | null | undefined) => {
  if (!outcome?.ok) throw new Error(`expected a successful outcome, got ${JSON.stringify(outcome)}`)
  return outcome.result.result
}

t.test('put, cas and delete keep etcd-style revisions', async (t) => {
  const { machine } = await openMachine(t, t.testdir())
  const out = await machine.apply([
    { kind: 'noop', term: 1, index: 1 },
    kv(2, 'r1', { op: 'put', key: 'a', value: 'x' }),
    kv(3, 'r2', { op: 'cas', key: 'a', expected: { value: 'nope' }, value: 'y' }),
    kv(4, 'r3', { op: 'cas', key: 'a', expected: { value: 'x' }, value: 'y' }),
    kv(5, 'r4', { op: 'cas', key: 'b', expected: { value: null }, value: 'new' }),
    kv(6, 'r5', { op: 'cas', key: 'a', expected: { revision: 2 }, value: 'z' }),
    kv(7, 'r6', { op: 'delete', key: 'b' }),
    kv(8, 'r7', { op: 'delete', key: 'missing' }),
  ])
  t.equal(out[0], null, 'a no-op has no outcome')
  t.same(kvResult(out[1]), { key: 'a', value: 'x', revision: 1, storeRevision: 1 })
  t.same(kvResult(out[2]), { key: 'a', value: 'x', revision: 1, storeRevision: 1, ok: false })
  t.same(kvResult(out[3]), { key: 'a', value: 'y', revision: 2, storeRevision: 2, ok: true })
  t.same(kvResult(out[4]), { key: 'b', value: 'new', revision: 3, storeRevision: 3, ok: true })
  t.same(kvResult(out[5]), { key: 'a', value: 'z', revision: 4, storeRevision: 4, ok: true })
  t.same(kvResult(out[6]), { key: 'b', value: null, revision: 0, storeRevision: 5 })
  t.same(kvResult(out[7]), { key: 'missing', value: null, revision: 0, storeRevision: 5 }, 'deleting nothing changes nothing')
  t.same(await readKvKey(machine.store, 'a'), { key: 'a', value: 'z', revision: 4, storeRevision: 5 })
  t.equal(machine.appliedIndex(), 8)
})

t.test('a retried request id is answered with its first outcome and applied once', async (t) => {
  const { machine } = await openMachine(t, t.testdir())
  const first = await machine.apply([kv(1, 'same', { op: 'put', key: 'k', value: '1' }), kv(2, 'other', { op: 'put', key: 'k', value: '2' })])
  const retried = await machine.apply([kv(3, 'same', { op: 'put', key: 'k', value: '1' })])
  t.same(retried[0], first[0], 'the retry gets the recorded outcome')
  t.same(await readKvKey(machine.store, 'k'), { key: 'k', value: '2', revision: 2, storeRevision: 2 }, 'the retry did not write again')
})

t.test('an id recorded in an expiry block by an earlier batch is still answered once, until its block is swept', async (t) => {
  const { machine } = await openMachine(t, t.testdir(), 1100)
  await machine.apply([kv(1, 'early', { op: 'put', key: 'k', value: '1' })])
  await machine.apply([kv(2, 'next', { op: 'put', key: 'j', value: '1' })])
  const block = await machine.store.get('reqexp/0000000000000000')
  t.ok(block !== undefined, 'both ids share the block of indexes 0-15')
  const retried = await machine.apply([kv(3, 'early', { op: 'put', key: 'k', value: '1' })])
  t.same(kvResult(retried[0]), { key: 'k', value: '1', revision: 1, storeRevision: 1 }, 'the retry is answered, not applied')
  const noops: Entry[] = Array.from({ length: 2048 - 3 }, (_, i) => ({ kind: 'noop', term: 1, index: 4 + i }))
  await machine.apply(noops)
  t.equal(await machine.store.get('reqexp/0000000000000000'), undefined, 'the sweep at 2048 forgot the block (it ended before 2048 - 1100)')
  const again = await machine.apply([kv(2051, 'early', { op: 'put', key: 'k', value: '1' })])
  t.same(kvResult(again[0]), { key: 'k', value: '1', revision: 3, storeRevision: 3 }, 'a forgotten id applies again')
})

t.test('expiry keys of one id each, written before expiry blocks, are swept with their ids', async (t) => {
  const { machine } = await openMachine(t, t.testdir(), 1100)
  await machine.store.commit(
    [
      { type: 'put', key: 'req/legacy', value: new Uint8Array([0xc0]) },
      { type: 'put', key: 'reqexp/0000000000000005/legacy', value: new Uint8Array(0) },
    ],
    { index: 0, term: 0 },
  )
  await machine.apply(Array.from({ length: 2048 }, (_, i): Entry => ({ kind: 'noop', term: 1, index: 1 + i })))
  t.same(await machine.store.range({ prefix: 'req' }), [], 'the legacy key and its id are gone')
})

t.test('a retried id is answered once after a restart, after a snapshot is installed, and within one batch', async (t) => {
  const root = t.testdir()
  const first = await openMachine(t, join(root, 'a'))
  const put = (index: number, requestId: string, value: string): Entry => kv(index, requestId, { op: 'put', key: 'k', value })
  const [original] = await first.machine.apply([put(1, 'x', '1'), put(2, 'y', '2')])
  const snapshot = await first.machine.snapshot()
  await first.db.close()
  const reopened = await openMachine(t, join(root, 'a'))
  const [afterRestart] = await reopened.machine.apply([put(3, 'x', '1')])
  t.same(afterRestart, original, 'the filter was filled from the stored table: the retry is answered, not applied')
  const other = await openMachine(t, join(root, 'b'))
  await other.machine.restore({ meta: { index: snapshot.index, term: snapshot.term, conf: { voters: [], learners: [] } }, data: snapshot.data })
  const [afterInstall] = await other.machine.apply([put(3, 'x', '1')])
  t.same(afterInstall, original, 'a replica that installed the snapshot answers the retry too')
  const [fresh, repeated] = await other.machine.apply([put(4, 'z', '3'), put(5, 'z', '3')])
  t.same(repeated, fresh, 'a repeat later in the same batch is answered with the first outcome')
  t.same(await readKvKey(other.machine.store, 'k'), { key: 'k', value: '3', revision: 3, storeRevision: 3 }, 'applied once each')
})

t.test('entries already applied before a restart are skipped, and state survives reopening', async (t) => {
  const dir = t.testdir()
  const first = await openMachine(t, dir)
  await first.machine.apply([kv(1, 'a', { op: 'put', key: 'k', value: '1' })])
  await first.machine.store.settled()
  await first.db.close()
  const { machine } = await openMachine(t, dir)
  t.equal(machine.appliedIndex(), 1)
  const out = await machine.apply([kv(1, 'a', { op: 'put', key: 'k', value: '1' }), kv(2, 'b', { op: 'put', key: 'k', value: '2' })])
  t.equal(out[0], null)
  t.same(await readKvKey(machine.store, 'k'), { key: 'k', value: '2', revision: 2, storeRevision: 2 })
})

t.test('a corrupt entry yields the same BAD_COMMAND outcome everywhere instead of a crash', async (t) => {
  const { machine } = await openMachine(t, t.testdir())
  const [outcome] = await machine.apply([{ kind: 'command', term: 1, index: 1, data: new Uint8Array([0xc1, 0xff]) }])
  t.match(outcome, { ok: false, code: 'BAD_COMMAND' })
  t.equal(machine.appliedIndex(), 1)
})

t.test('replicas batching the same entries differently reach identical keyspaces, sweeps included', async (t) => {
  const root = t.testdir()
  const retention = 1500
  const entries: Entry[] = []
  for (let i = 1; i <= 5000; i++) {
    entries.push(i % 97 === 0 ? { kind: 'noop', term: 1, index: i } : kv(i, `req-${i}`, { op: 'put', key: `k${i % 50}`, value: String(i) }))
  }
  const a = await openMachine(t, join(root, 'a'), retention)
  const b = await openMachine(t, join(root, 'b'), retention)
  for (let i = 0; i < entries.length; i += 1000) await a.machine.apply(entries.slice(i, i + 1000))
  for (let i = 0, size = 1; i < entries.length; i += size, size = (size * 7) % 613 + 1) await b.machine.apply(entries.slice(i, i + size))
  const snapA = await a.machine.snapshot()
  const snapB = await b.machine.snapshot()
  t.equal(snapA.index, 5000)
  t.ok(Buffer.from(snapA.data).equals(Buffer.from(snapB.data)), 'snapshots are byte-identical')
  const requestKeys = await a.machine.store.range({ prefix: 'req/', limit: 10_000 })
  // The last sweep ran at index 4096 and forgot the ids of every expiry block of 16 indexes that
  // ended before 4096 - 1500 = 2596: those applied before 2592.
  const expected = entries.filter((e) => e.kind === 'command' && e.index >= 2592).map((e) => `req/req-${e.index}`).sort()
  t.same(requestKeys.map(([key]) => key).sort(), expected, 'exactly the ids of the blocks older than the retention window were swept')
  const blocks = await a.machine.store.range({ prefix: 'reqexp/', limit: 10_000 })
  t.same(blocks.map(([key]) => Number(key.slice('reqexp/'.length))), Array.from({ length: 151 }, (_, i) => 2592 + 16 * i), 'their expiry blocks went with them')
  const listed = await readKvPrefix(a.machine.store, 'k1', 100)
  t.same(listed.entries.map((e) => e.key), ['k1', 'k10', 'k11', 'k12', 'k13', 'k14', 'k15', 'k16', 'k17', 'k18', 'k19'])
})
