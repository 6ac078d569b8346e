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
  // Sequence 5 was sent after 3 and 4 settled; sequence 4's retry reaches the log after it.
  await machine.apply([put(1, 'c1', 5, 5, 'x'), put(2, 'c1', 4, 3, 'y')])
  const session = await sessionOf(machine, 'c1')
  t.equal(session?.[0], 5, 'an older, lower floor does not lower it')
  t.same(session?.[2].map(([sequence]) => sequence), [5], 'sequence 4 arrived below the floor')
  t.same(await readKvKey(machine.store, 'k'), { key: 'k', value: 'x', revision: 1, storeRevision: 1 }, 'and was refused')
})

t.test('sessions of different clients are independent, and the per-id table still serves callers that chose their ids', async (t) => {
  const machine = await openMachine(t, t.testdir())
  const plain: Entry = { kind: 'command', term: 1, index: 3, data: encodeProposal({ requestId: 'chosen', command: { kind: 'kv', command: { op: 'put', key: 'p', value: '1' } }, atMs: 0 }) }
  const [a, b, c] = await machine.apply([put(1, 'c1', 7, 7, 'a'), put(2, 'c2', 7, 1, 'b'), plain])
  const [a2, b2, c2] = await machine.apply([put(4, 'c1', 7, 7, 'a'), put(5, 'c2', 7, 1, 'b'), { ...plain, index: 6 }])
  t.same([a2, b2, c2], [a, b, c], 'each retry finds its own outcome')
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
  const [again] = await machine.apply([put(4097, 'gone', 1, 1, 'a')])
  t.match(again, { ok: true }, 'a forgotten client starts a new session')
})

t.test('a client that never raises its floor keeps only its newest outcomes', async (t) => {
  const machine = await openMachine(t, t.testdir())
  const total = MAX_OUTCOMES_PER_SESSION + 10
  await machine.apply(Array.from({ length: total }, (_, i) => put(i + 1, 'stuck', i + 1, 0, String(i), `k${i % 100}`)))
  const session = await sessionOf(machine, 'stuck')
  t.equal(session?.[2].length, MAX_OUTCOMES_PER_SESSION)
  t.equal(session?.[0], 11, 'the oldest ten were settled for it')
  const [oldRetry] = await machine.apply([put(total + 1, 'stuck', 3, 0, '2', 'k2')])
  t.match(oldRetry, { ok: false, code: 'REJECTED' }, 'a retry of one of those is refused, never applied twice')
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
