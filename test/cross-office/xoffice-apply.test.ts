import t from 'tap'
import { listHolds, notificationsAfter, readMeeting } from '../../src/calendar-service/calendar-store.js'
import type { MeetingSpec } from '../../src/calendar-service/calendar-command.js'
import type { XofficeCommand } from '../../src/cross-office/xoffice-command.js'
import { fencingCounters, openTransactionIds, preparedTransactionIds, readParticipantTx } from '../../src/cross-office/xoffice-store.js'
import { EntryLog, event, local, openCalendarMachine, user } from '../calendar-service/calendar-machine-fixture.js'
import { AT, XLog, xresult } from './xoffice-machine-fixture.js'

const LEASE = 10_000

const spec: MeetingSpec = { organizer: 'olga', required: ['bob', 'lena'], optional: [], title: 'plan', zone: 'America/New_York', start: local('2026-03-18T10:00'), durationMinutes: 60, lines: [] }

function prepare(txId: string, term: number, required = ['bob']): XofficeCommand {
  return { kind: 'hold.prepare', txId, coordinatorOffice: 'lon', coordinatorTerm: term, intent: { kind: 'book', meeting: spec, override: false, priority: 1 }, local: { office: 'nyc', required, optional: [] }, leaseMs: LEASE }
}

t.test('prepare places holds with the entry index as token; commit turns them into the meeting, notifies, and releases them', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const x = new XLog(log)
  await machine.apply([log.entry(user('bob'))])
  const [prepared] = await machine.apply([x.entry(prepare('mtg-lon-7', 3))])
  t.same(xresult(prepared), { kind: 'vote', vote: { vote: 'yes', token: 2, leaseExpiresMs: AT + LEASE, warnings: [] }, displaceable: [] })
  const holds = await listHolds(machine.store, 'bob')
  t.same(holds.map((h) => [h.meetingId, h.fencingToken, h.leaseExpiresMs]), [['mtg-lon-7', 2, AT + LEASE]])
  t.same(await preparedTransactionIds(machine.store), ['mtg-lon-7'])

  const [blocked] = await machine.apply([log.entry({ kind: 'meeting.book', meeting: { ...spec, organizer: 'bob', required: [] }, override: false })])
  t.match(blocked, { ok: true, result: { result: { outcome: { status: 'conflict', conflicts: [{ user: 'bob', source: 'hold', sourceId: 'hold-nyc-2' }] } } } }, 'the hold blocks a local booking')

  const [committed] = await machine.apply([x.entry({ kind: 'hold.decide', txId: 'mtg-lon-7', coordinatorTerm: 3, decision: 'commit', token: 2 })])
  t.same(xresult(committed), { kind: 'decided', state: 'committed', notified: ['bob'] })
  t.same(await listHolds(machine.store, 'bob'), [])
  t.same(await preparedTransactionIds(machine.store), [])
  const meeting = await readMeeting(machine.store, 'mtg-lon-7')
  t.match(meeting, { id: 'mtg-lon-7', organizer: 'olga', required: ['bob', 'lena'], status: 'booked' })
  t.match(await notificationsAfter(machine.store, 'bob', 0, 10), [{ kind: 'invited', meetingId: 'mtg-lon-7', by: 'olga' }])
  const [again] = await machine.apply([x.entry({ kind: 'hold.decide', txId: 'mtg-lon-7', coordinatorTerm: 4, decision: 'commit', token: 2 })])
  t.same(xresult(again), { kind: 'decided', state: 'committed', notified: [] }, 'a repeated commit is acknowledged again, nothing re-applied')
})

t.test('a prepare meeting an event or another live hold votes no with the conflicts and holds nothing (no-wait)', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const x = new XLog(log)
  await machine.apply([log.entry(user('bob')), log.entry(user('cora')), log.entry(event('cora', '2026-03-18T10:30', 30))])
  const out = await machine.apply([x.entry(prepare('mtg-lon-1', 1)), x.entry(prepare('mtg-tok-1', 1)), x.entry(prepare('mtg-lon-2', 1, ['cora']))])
  t.match(xresult(out[0]), { vote: { vote: 'yes' } })
  t.match(xresult(out[1]), { vote: { vote: 'no', reason: 'attendees in office nyc are busy', conflicts: [{ user: 'bob', source: 'hold', sourceId: 'hold-nyc-4' }] } })
  t.match(xresult(out[2]), { vote: { vote: 'no', conflicts: [{ user: 'cora', source: 'event', sourceId: 'evt-nyc-3' }] } })
  t.same((await listHolds(machine.store, 'bob')).map((h) => h.meetingId), ['mtg-lon-1'])
  t.same(await listHolds(machine.store, 'cora'), [])
  const [later] = await machine.apply([x.entry(prepare('mtg-tok-2', 1), AT + LEASE)])
  t.match(xresult(later), { vote: { vote: 'yes' } }, 'a hold past its lease no longer blocks')
  const [missing] = await machine.apply([x.entry(prepare('mtg-lon-3', 1, ['ghost']))])
  t.match(xresult(missing), { vote: { vote: 'no', reason: 'user "ghost" is not in office nyc' } })
})

t.test('fencing: older coordinator terms, wrong tokens and contrary decisions are refused, counted, and change nothing', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const x = new XLog(log)
  await machine.apply([log.entry(user('bob'))])
  await machine.apply([x.entry(prepare('mtg-lon-1', 2))])
  const out = await machine.apply([
    x.entry({ kind: 'hold.decide', txId: 'mtg-lon-1', coordinatorTerm: 2, decision: 'commit', token: 99 }),
    x.entry({ kind: 'hold.decide', txId: 'mtg-lon-1', coordinatorTerm: 2, decision: 'commit', token: null }),
    x.entry({ kind: 'hold.decide', txId: 'mtg-lon-1', coordinatorTerm: 5, decision: 'abort', token: null }),
    x.entry({ kind: 'hold.decide', txId: 'mtg-lon-1', coordinatorTerm: 2, decision: 'commit', token: 2 }),
    x.entry({ kind: 'hold.decide', txId: 'mtg-lon-1', coordinatorTerm: 5, decision: 'commit', token: 2 }),
    x.entry(prepare('mtg-lon-1', 2)),
    x.entry({ kind: 'hold.decide', txId: 'mtg-lon-9', coordinatorTerm: 5, decision: 'commit', token: 4 }),
  ])
  t.match(xresult(out[0]), { kind: 'fenced', rejection: 'staleToken', message: 'commit of "mtg-lon-1" with token 99; this office holds token 2' })
  t.match(xresult(out[1]), { kind: 'fenced', rejection: 'staleToken' })
  t.same(xresult(out[2]), { kind: 'decided', state: 'aborted', notified: [] }, 'a newer coordinator may abort without knowing the token')
  t.match(xresult(out[3]), { kind: 'fenced', rejection: 'staleTerm', message: 'commit of "mtg-lon-1" from coordinator term 2; term 5 was already heard' })
  t.match(xresult(out[4]), { kind: 'fenced', rejection: 'conflictingDecision' })
  t.match(xresult(out[5]), { kind: 'fenced', rejection: 'staleTerm' }, 'a late prepare of the old term places nothing')
  t.match(xresult(out[6]), { kind: 'fenced', rejection: 'notPrepared' })
  t.same(await fencingCounters(machine.store), { staleTerm: 2, staleToken: 2, conflictingDecision: 1, notPrepared: 1 })
  t.same(await listHolds(machine.store, 'bob'), [])
  t.equal(await readMeeting(machine.store, 'mtg-lon-1'), null)
  t.match(await readParticipantTx(machine.store, 'mtg-lon-1'), { highestTerm: 5, state: { kind: 'aborted', token: 2 } })
})

t.test('an abort for a never-prepared transaction leaves a tombstone that refuses its late prepare', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const x = new XLog(log)
  await machine.apply([log.entry(user('bob'))])
  const out = await machine.apply([x.entry({ kind: 'hold.decide', txId: 'mtg-lon-4', coordinatorTerm: 3, decision: 'abort', token: null }), x.entry(prepare('mtg-lon-4', 3))])
  t.same(xresult(out[0]), { kind: 'decided', state: 'aborted', notified: [] })
  t.match(xresult(out[1]), { vote: { vote: 'no', reason: 'transaction "mtg-lon-4" is already aborted in this office' } })
  t.same(await listHolds(machine.store, 'bob'), [])
})

t.test('coordinator: begin names the transaction, the first decision wins, a late commit becomes an abort, finish closes it', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const x = new XLog(log)
  const participants = [
    { office: 'nyc', required: ['olga'], optional: [] },
    { office: 'lon', required: ['lena'], optional: [] },
  ]
  const begin = (): XofficeCommand => ({ kind: 'tx.begin', intent: { kind: 'book', meeting: { ...spec, required: ['lena'] }, override: false, priority: 1 }, participants, leaseMs: LEASE })
  const out = await machine.apply([
    x.entry(begin()),
    x.entry({ kind: 'tx.decide', txId: 'mtg-nyc-1', decision: { kind: 'commit', tokens: { nyc: 5 }, leaseExpiresMs: AT + LEASE, warnings: [] } }),
    x.entry(begin()),
    x.entry({ kind: 'tx.decide', txId: 'mtg-nyc-3', decision: { kind: 'commit', tokens: { nyc: 5, lon: 8 }, leaseExpiresMs: AT + LEASE, warnings: [] } }),
    x.entry({ kind: 'tx.decide', txId: 'mtg-nyc-3', decision: { kind: 'abort', reason: 'late', conflicts: [] } }),
    x.entry(begin()),
    x.entry({ kind: 'tx.decide', txId: 'mtg-nyc-6', decision: { kind: 'commit', tokens: { nyc: 5, lon: 8 }, leaseExpiresMs: AT + 500, warnings: [] } }),
    x.entry({ kind: 'tx.finish', txId: 'mtg-nyc-3' }),
  ])
  t.match(xresult(out[0]), { kind: 'tx', tx: { id: 'mtg-nyc-1', phase: { kind: 'preparing' } } })
  t.match(xresult(out[1]), { tx: { phase: { kind: 'decided', decision: { kind: 'abort', reason: 'no yes vote from office(s) lon' } } } })
  t.match(xresult(out[3]), { tx: { phase: { decision: { kind: 'commit', tokens: { nyc: 5, lon: 8 } } } } })
  t.match(xresult(out[4]), { tx: { phase: { decision: { kind: 'commit' } } } }, 'the first decision stays')
  t.match(xresult(out[6]), { tx: { phase: { decision: { kind: 'abort', reason: /leases end at 2026-01-05T00:00:00.500Z, too soon to commit/ } } } })
  t.match(xresult(out[7]), { tx: { phase: { finished: true } } })
  t.same(await openTransactionIds(machine.store), ['mtg-nyc-1', 'mtg-nyc-6'])
  const [unknown] = await machine.apply([x.entry({ kind: 'tx.finish', txId: 'mtg-nyc-99' })])
  t.match(unknown, { ok: false, code: 'NOT_FOUND', message: 'transaction "mtg-nyc-99" does not exist in this office' })
})

t.test('a renewal keeps a prepared hold blocking past its first lease; decided or foreign tokens renew nothing', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const x = new XLog(log)
  await machine.apply([log.entry(user('bob'))])
  await machine.apply([x.entry(prepare('mtg-lon-1', 1))])
  const out = await machine.apply([
    x.entry({ kind: 'hold.renew', txId: 'mtg-lon-1', token: 2 }, AT + 8000),
    x.entry({ kind: 'hold.renew', txId: 'mtg-lon-1', token: 7 }, AT + 8000),
    x.entry(prepare('mtg-tok-1', 1), AT + 12_000),
  ])
  t.same(xresult(out[0]), { kind: 'renewed', leaseExpiresMs: AT + 8000 + LEASE })
  t.same(xresult(out[1]), { kind: 'renewed', leaseExpiresMs: null })
  t.match(xresult(out[2]), { vote: { vote: 'no', conflicts: [{ user: 'bob', source: 'hold', sourceId: 'hold-nyc-2' }] } }, 'still blocking after the first lease')
  t.same((await listHolds(machine.store, 'bob')).map((h) => h.leaseExpiresMs), [AT + 8000 + LEASE])
  const after = await machine.apply([
    x.entry({ kind: 'hold.decide', txId: 'mtg-lon-1', coordinatorTerm: 1, decision: 'abort', token: null }),
    x.entry({ kind: 'hold.renew', txId: 'mtg-lon-1', token: 2 }, AT + 9000),
  ])
  t.same(xresult(after[1]), { kind: 'renewed', leaseExpiresMs: null })
  t.same(await listHolds(machine.store, 'bob'), [])
})
