/** The change journal behind `calendar.changes`: who changed since an index, and when it cannot tell. */
import t from 'tap'
import { ChangeJournal, usersOfKeys } from '../../src/free-busy/change-journal.js'

t.test('people are read from calendar keys that change free/busy', async (t) => {
  const users = usersOfKeys(['cal/user/ann', 'cal/event/bob/evt-nyc-3', 'cal/span/bob/evt-nyc-3', 'cal/hold/cy/mtg-lon-9', 'cal/outbox/dan/000000000001', 'cal/meeting/mtg-nyc-4', 'kv/x', 'req/abc'])
  t.same([...users].sort(), ['ann', 'bob', 'cy'], 'outbox, meeting, kv and request keys change nobody free/busy')
})

t.test('changes since an index, the floor, and resets', async (t) => {
  const journal = new ChangeJournal(10, 2)
  t.same(journal.changedSince(10), { kind: 'changes', appliedIndex: 10, users: [] })
  t.same(journal.changedSince(9), { kind: 'unknown', appliedIndex: 10 }, 'before the journal started: unknown')
  journal.recordBatch(['cal/event/ann/e1'], 12)
  journal.recordBatch(['kv/x'], 13)
  journal.recordBatch(['cal/hold/bob/h'], 14)
  t.same(journal.changedSince(10), { kind: 'changes', appliedIndex: 14, users: ['ann', 'bob'] })
  t.same(journal.changedSince(12), { kind: 'changes', appliedIndex: 14, users: ['bob'] })
  journal.recordBatch(['cal/user/cy'], 15)
  t.same(journal.changedSince(11), { kind: 'unknown', appliedIndex: 15 }, 'past the capacity the oldest batch is forgotten')
  t.same(journal.changedSince(12), { kind: 'changes', appliedIndex: 15, users: ['bob', 'cy'] })
  journal.reset(30)
  t.same(journal.changedSince(20), { kind: 'unknown', appliedIndex: 30 }, 'a snapshot install forgets everything before it')
})

t.test('a waiter wakes at the next recorded change, or when its time runs out', async (t) => {
  const journal = new ChangeJournal(0)
  const never = new AbortController()
  const waiting = journal.nextChange(60_000, never.signal)
  journal.recordBatch(['kv/x'], 1)
  journal.recordBatch(['cal/event/ann/e1'], 2)
  await waiting
  t.same(journal.changedSince(0), { kind: 'changes', appliedIndex: 2, users: ['ann'] })
  await journal.nextChange(1, never.signal)
  const aborted = new AbortController()
  const pending = journal.nextChange(60_000, aborted.signal)
  aborted.abort()
  await pending
  t.pass('abort ends the wait')
})
