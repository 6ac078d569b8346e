import t, { type Test } from 'tap'
import { join } from 'node:path'
import { Packr } from 'msgpackr'
import type { Entry } from '../../raft/types.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { OfficeStateMachine } from '../../src/office/office-state-machine.js'
import { encodeProposal, type OfficeOutcome } from '../../src/office/office-command.js'
import { MAX_OUTCOMES_PER_SESSION, SESSION_BLOCK_ENTRIES } from '../../src/office/client-sessions.js'
import { readKvKey } from '../../src/kv/kv-read.js'
import { defaultWorkSchedule } from '../../src/calendar/availability/work-schedule.js'

const packr = new Packr({ useRecords: false })

async function openMachine(t: Test, dir: string, retention?: number): Promise<OfficeStateMachine> {
  const db = await ReplicaDb.open(dir, { clusterId: 'c', replicaId: 'r' })
  t.teardown(() => db.close())
  const store = await StateMachineStore.open(db)
  const office = { officeId: 'nyc', schedule: defaultWorkSchedule('America/New_York') }
  return new OfficeStateMachine(store, retention === undefined ? { office } : { office, requestRetentionEntries: retention })
}

/** A numbered client's put: request id `<client>-<sequence>`, its floor in the session. */
const put = (index: number, client: string, sequence: number, settledBelow: number, value: string, key = 'k'): Entry => ({
  kind: 'command',
  term: 1,
  index,
  data: encodeProposal({
    requestId: `${client}-${sequence}`,
    session: { client, sequence, settledBelow },
    command: { kind: 'kv', command: { op: 'put', key, value } },
    atMs: 0,
  }),
})

const noops = (from: number, through: number): Entry[] => Array.from({ length: through - from + 1 }, (_, i) => ({ kind: 'noop', term: 1, index: from + i }))

async function sessionOf(machine: OfficeStateMachine, client: string): Promise<[number, number, Array<[number, OfficeOutcome]>] | undefined> {
  const bytes = await machine.store.get(`ses/${client}`)
  return bytes === undefined ? undefined : (packr.unpack(bytes) as [number, number, Array<[number, OfficeOutcome]>])
}

t.test('a retry inside the window is answered with its first outcome; the table keeps only what the client may retry', async (t) => {
  const machine = await openMachine(t, t.testdir())
  const [first] = await machine.apply([put(1, 'c1', 1, 1, 'a'), put(2, 'c1', 2, 1, 'b')])
  const [retried] = await machine.apply([put(3, 'c1', 1, 1, 'a')])
  t.same(retried, first, 'the retry of sequence 1 gets the recorded outcome')
  t.same(await readKvKey(machine.store, 'k'), { key: 'k', value: 'b', revision: 2, storeRevision: 2 }, 'and was not applied again')
  t.same((await sessionOf(machine, 'c1'))?.[2].map(([sequence]) => sequence), [1, 2], 'both outcomes kept while 1 may be retried')
  await machine.apply([put(4, 'c1', 3, 3, 'c')])
  const session = await sessionOf(machine, 'c1')
  t.equal(session?.[0], 3, 'the floor rose to what the client said it settled')
  t.same(session?.[2].map(([sequence]) => sequence), [3], 'outcomes below the floor are forgotten')
  t.equal(await machine.store.get('req/c1-3'), undefined, 'a numbered request writes no per-id record')
})

t.test('a late duplicate of a settled request is refused, not applied', async (t) => {
  const machine = await openMachine(t, t.testdir())
  await machine.apply([put(1, 'c1', 1, 1, 'a'), put(2, 'c1', 2, 2, 'b')])
  const [late] = await machine.apply([put(3, 'c1', 1, 1, 'a')])
  t.match(late, { ok: false, code: 'REJECTED', message: /c1-1 was settled by its client/ })
  t.same(await readKvKey(machine.store, 'k'), { key: 'k', value: 'b', revision: 2, storeRevision: 2 }, 'the duplicate wrote nothing')
})

t.test('floors only rise, whatever order the requests of one client reach the log in', async (t) => {
  const machine = await openMachine(t, t.testdir())
  // Sequence 6 was sent after 5 settled; sequence 7, sent earlier with an older floor, reaches the log after it.
  await machine.apply([put(1, 'c1', 6, 6, 'x'), put(2, 'c1', 7, 3, 'y')])
  const session = await sessionOf(machine, 'c1')
  t.equal(session?.[0], 6, 'the older, lower floor of sequence 7 does not lower it')
  t.same(session?.[2].map(([sequence]) => sequence), [6, 7], 'both applied')
  const [late] = await machine.apply([put(3, 'c1', 5, 3, 'z')])
  t.match(late, { ok: false, code: 'REJECTED' }, 'sequence 5 is still below the floor')
  t.same(await readKvKey(machine.store, 'k'), { key: 'k', value: 'y', revision: 2, storeRevision: 2 }, 'and was not applied')
})

t.test('sessions of different clients are independent, and the per-id table still serves callers that chose their ids', async (t) => {
  const machine = await openMachine(t, t.testdir())
  const plain: Entry = { kind: 'command', term: 1, index: 3, data: encodeProposal({ requestId: 'chosen', command: { kind: 'kv', command: { op: 'put', key: 'p', value: '1' } }, atMs: 0 }) }
  const [a, b, c] = await machine.apply([put(1, 'c1', 7, 7, 'a'), put(2, 'c2', 7, 1, 'b'), plain])
  t.notSame(a, b, 'the same sequence of two clients is two requests')
  const [a2, b2, c2] = await machine.apply([put(4, 'c1', 7, 7, 'a'), put(5, 'c2', 7, 1, 'b'), { ...plain, index: 6 }])
  t.same([a2, b2, c2], [a, b, c], 'each retry finds its own outcome')
  t.same(await readKvKey(machine.store, 'k'), { key: 'k', value: 'b', revision: 2, storeRevision: 3 }, 'each applied once')
  t.ok((await machine.store.get('req/chosen')) !== undefined, 'the chosen id is in the per-id table')
})

t.test('replicas batching the same entries differently write identical sessions and blocks', async (t) => {
  const root = t.testdir()
  const entries: Entry[] = []
  const settled = new Map<string, number>()
  for (let i = 1; i <= 3000; i++) {
    const client = `c${i % 3}`
    const sequence = i
    // Each client has settled everything more than 24 sequences back (its last eight or nine calls may still be retried).
    const floor = Math.max(settled.get(client) ?? 0, sequence - 24)
    settled.set(client, floor)
    entries.push(i % 89 === 0 ? { kind: 'noop', term: 1, index: i } : put(i, client, sequence, floor, String(i), `k${i % 40}`))
  }
  const a = await openMachine(t, join(root, 'a'), 1000)
  const b = await openMachine(t, join(root, 'b'), 1000)
  for (let i = 0; i < entries.length; i += 700) await a.apply(entries.slice(i, i + 700))
  for (let i = 0, size = 1; i < entries.length; i += size, size = (size * 5) % 211 + 1) await b.apply(entries.slice(i, i + size))
  const [snapA, snapB] = [await a.snapshot(), await b.snapshot()]
  t.ok(Buffer.from(snapA.data).equals(Buffer.from(snapB.data)), 'snapshots are byte-identical')
  for (const client of ['c0', 'c1', 'c2']) {
    const outcomes = (await sessionOf(a, client))?.[2] ?? []
    t.ok(outcomes.length <= 9, `${client} keeps only the outcomes above its floor (${outcomes.length})`)
  }
})

t.test('a session unused for the retention is forgotten; one in use is kept', async (t) => {
  const retention = 1000
  const machine = await openMachine(t, t.testdir(), retention)
  await machine.apply([put(1, 'gone', 1, 1, 'a'), put(2, 'busy', 1, 1, 'b')])
  // 'busy' keeps sending, once a block; 'gone' never comes back.
  let last = 2
  for (let block = 1; block <= 3; block++) {
    const start = block * SESSION_BLOCK_ENTRIES
    await machine.apply([...noops(last + 1, start - 1), put(start, 'busy', block + 1, block + 1, String(block))])
    last = start
  }
  // With a retention of 1000, the sweep at each multiple of 1024 deletes the block starting two
  // blocks (2048 indexes) earlier: block 0 at 2048, where 'busy' had been listed again in 1024.
  await machine.apply(noops(last + 1, 4 * SESSION_BLOCK_ENTRIES))
  t.equal(await sessionOf(machine, 'gone'), undefined, 'the idle session was swept with its block')
  t.equal((await sessionOf(machine, 'busy'))?.[0], 4, 'the busy one, listed in later blocks, stays')
  t.equal(await machine.store.get('sesexp/0000000000000000'), undefined, 'the swept block is gone')
  const [again] = await machine.apply([put(4097, 'gone', 1, 1, 'again')])
  t.match(again, { ok: true, result: { result: { value: 'again', revision: 6 } } }, 'a forgotten client starts a new session: applied, not answered as a retry')
})

t.test('a batch that spans a block and its sweep leaves the same keyspace as smaller batches', async (t) => {
  const root = t.testdir()
  const retention = 1000
  // The session is used only in block 0; the sweep at 2048 forgets it.
  const entries = [put(1, 'x', 1, 1, 'a'), ...noops(2, 2100)]
  const whole = await openMachine(t, join(root, 'whole'), retention)
  const split = await openMachine(t, join(root, 'split'), retention)
  await whole.apply(entries)
  await split.apply(entries.slice(0, 1))
  await split.apply(entries.slice(1))
  t.equal(await sessionOf(whole, 'x'), undefined, 'swept in the one long batch too')
  t.equal(await whole.store.get('sesexp/0000000000000000'), undefined, 'with its block')
  const [a, b] = [await whole.snapshot(), await split.snapshot()]
  t.ok(Buffer.from(a.data).equals(Buffer.from(b.data)), 'snapshots are byte-identical')
})

t.test('a client that never raises its floor keeps every outcome, and past the bound gets no new request applied', async (t) => {
  const machine = await openMachine(t, t.testdir())
  const full = MAX_OUTCOMES_PER_SESSION
  const batch = 10_000
  for (let from = 1; from <= full; from += batch) {
    await machine.apply(Array.from({ length: Math.min(batch, full - from + 1) }, (_, i) => put(from + i, 'stuck', from + i, 0, String(from + i), `k${(from + i) % 100}`)))
  }
  t.equal((await sessionOf(machine, 'stuck'))?.[2].length, full, 'nothing the client may retry is forgotten')
  const [first] = await machine.apply([put(full + 1, 'stuck', 1, 0, '1', 'k1')])
  t.match(first, { ok: true, result: { result: { value: '1' } } }, 'the oldest call is still answered as a retry')
  const [refused] = await machine.apply([put(full + 2, 'stuck', full + 1, 0, 'new', 'k1')])
  t.match(refused, { ok: false, code: 'REJECTED', message: /not applied: its client has 100000 calls it has not settled/ })
  t.same((await readKvKey(machine.store, 'k1'))?.value, String(full - 99), 'the refused request wrote nothing')
  const [afterSettling] = await machine.apply([put(full + 3, 'stuck', full + 1, full, 'new', 'k1')])
  t.match(afterSettling, { ok: true }, 'once the client settles, its request is applied')
})

t.test('a malformed session in an entry is a deterministic BAD_COMMAND', async (t) => {
  const machine = await openMachine(t, t.testdir())
  const data = encodeProposal({
    requestId: 'c1-2',
    session: { client: 'c1', sequence: 2, settledBelow: 5 },
    command: { kind: 'kv', command: { op: 'put', key: 'k', value: 'v' } },
    atMs: 0,
  })
  const [outcome] = await machine.apply([{ kind: 'command', term: 1, index: 1, data }])
  t.match(outcome, { ok: false, code: 'BAD_COMMAND', message: /malformed client session/ })
})

t.test('a session travels in a snapshot: the installing replica answers retries from it', async (t) => {
  const root = t.testdir()
  const first = await openMachine(t, join(root, 'a'))
  const [original] = await first.apply([put(1, 'c1', 1, 1, 'a'), put(2, 'c1', 2, 1, 'b')])
  await first.store.settled()
  const snapshot = await first.snapshot()
  const reopened = await openMachine(t, join(root, 'b'))
  await reopened.restore({ meta: { index: snapshot.index, term: snapshot.term, conf: { voters: [], learners: [] } }, data: snapshot.data })
  const [afterInstall] = await reopened.apply([put(3, 'c1', 1, 1, 'a')])
  t.same(afterInstall, original, 'a replica that installed the snapshot answers the retry from the session')
  t.same(await readKvKey(reopened.store, 'k'), { key: 'k', value: 'b', revision: 2, storeRevision: 2 }, 'without applying it')
})
