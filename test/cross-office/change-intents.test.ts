/**
 * Cancel and move intents and priority, applied to one office's state machine (no processes):
 * a participant prepares and commits a cancellation of the whole series or one occurrence and a
 * move (holds on the new time, conflicts with details); a higher-priority prepare blocked only by
 * lower-priority undecided holds reports them as displaceable and records nothing; the
 * coordinator lets a meeting take one change at a time, and only once its booking was delivered.
 */
import t, { type Test } from 'tap'
import { listEvents, listHolds, notificationsAfter, readMeeting } from '../../src/calendar-service/calendar-store.js'
import type { MeetingSpec } from '../../src/calendar-service/calendar-command.js'
import type { OfficeAttendance, TxIntent, XofficeCommand } from '../../src/cross-office/xoffice-command.js'
import { pendingMeetingTransaction, readParticipantTx } from '../../src/cross-office/xoffice-store.js'
import { meetingOccurrences } from '../../src/calendar-service/meeting-occurrences.js'
import { EntryLog, event, local, openCalendarMachine, user } from '../calendar-service/calendar-machine-fixture.js'
import { AT, XLog, xresult } from './xoffice-machine-fixture.js'

const LEASE = 10_000
const MEETING = 'mtg-lon-7'
const WEEKLY: MeetingSpec = {
  organizer: 'olga',
  required: ['bob', 'lena'],
  optional: ['cora'],
  title: 'plan',
  zone: 'America/New_York',
  start: local('2026-03-18T10:00'),
  durationMinutes: 60,
  lines: ['RRULE:FREQ=WEEKLY;COUNT=3'],
}
const NYC_PART: OfficeAttendance = { office: 'nyc', required: ['bob'], optional: ['cora'] }

function prepare(txId: string, intent: TxIntent, local: OfficeAttendance = NYC_PART): XofficeCommand {
  return { kind: 'hold.prepare', txId, coordinatorOffice: 'lon', coordinatorTerm: 1, intent, local, leaseMs: LEASE }
}

function book(spec: MeetingSpec, priority = 1): TxIntent {
  return { kind: 'book', meeting: spec, override: false, priority }
}

function commit(txId: string, token: number): XofficeCommand {
  return { kind: 'hold.decide', txId, coordinatorTerm: 1, decision: 'commit', token }
}

async function officeWithMeeting(t: Test, spec: MeetingSpec = WEEKLY) {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const x = new XLog(log)
  await machine.apply([log.entry(user('bob')), log.entry(user('cora'))])
  const [voted] = await machine.apply([x.entry(prepare(MEETING, book(spec)))])
  const vote = xresult(voted)
  if (vote.kind !== 'vote' || vote.vote.vote !== 'yes') throw new Error(`expected a yes vote, got ${JSON.stringify(vote)}`)
  await machine.apply([x.entry(commit(MEETING, vote.vote.token))])
  return { machine, log, x }
}

t.test('cancelling one occurrence, then the whole series: no holds, each commit updates the local copies and notifies the local invitees', async (t) => {
  const { machine, x } = await officeWithMeeting(t)
  const occurrence = { originalStart: local('2026-03-25T10:00'), startMs: Date.UTC(2026, 2, 25, 14) }
  const [voted] = await machine.apply([x.entry(prepare('chg-lon-9', { kind: 'cancel', meetingId: MEETING, occurrence }))])
  t.match(xresult(voted), { kind: 'vote', vote: { vote: 'yes', warnings: [] }, displaceable: [] })
  t.same(await listHolds(machine.store, 'bob'), [], 'a cancellation holds no time')
  const token = (xresult(voted) as { vote: { token: number } }).vote.token
  const [done] = await machine.apply([x.entry(commit('chg-lon-9', token))])
  t.same(xresult(done), { kind: 'decided', state: 'committed', notified: ['bob', 'cora'] })
  t.match(await readMeeting(machine.store, MEETING), { status: 'booked', version: 2, cancelledOccurrences: [occurrence.originalStart] })
  const [bobEvent] = await listEvents(machine.store, 'bob')
  t.same(bobEvent?.event.recurrence?.exceptions, [{ kind: 'cancelled', originalStart: occurrence.originalStart }], "bob's copy leaves the occurrence out")
  t.match(await notificationsAfter(machine.store, 'cora', 0, 10), [{ kind: 'invited' }, { kind: 'occurrence-cancelled', meetingId: MEETING, by: 'olga', occurrenceStartMs: occurrence.startMs }])

  const [again] = await machine.apply([x.entry(prepare('chg-lon-10', { kind: 'cancel', meetingId: MEETING, occurrence }))])
  t.match(xresult(again), { vote: { vote: 'no', reason: `the 2026-03-25T14:00:00.000Z occurrence of meeting "${MEETING}" is already cancelled in office nyc` } })

  const [whole] = await machine.apply([x.entry(prepare('chg-lon-11', { kind: 'cancel', meetingId: MEETING, occurrence: null }))])
  const wholeToken = (xresult(whole) as { vote: { token: number } }).vote.token
  const [cancelled] = await machine.apply([x.entry(commit('chg-lon-11', wholeToken))])
  t.same(xresult(cancelled), { kind: 'decided', state: 'committed', notified: ['bob', 'cora'] })
  t.match(await readMeeting(machine.store, MEETING), { status: 'cancelled', version: 3 })
  t.same(await listEvents(machine.store, 'bob'), [], "the meeting left bob's calendar")
  t.match((await notificationsAfter(machine.store, 'bob', 0, 10)).map((n) => n.kind), ['invited', 'occurrence-cancelled', 'cancelled'])

  const move: TxIntent = { kind: 'move', meetingId: MEETING, occurrence: null, change: { start: local('2026-03-18T15:00'), durationMinutes: 30, title: 'plan' }, override: false, priority: 1 }
  const late = await machine.apply([x.entry(prepare('chg-lon-12', move)), x.entry(prepare('chg-lon-13', { kind: 'cancel', meetingId: 'mtg-lon-99', occurrence: null }))])
  t.match(xresult(late[0]), { vote: { vote: 'no', reason: `meeting "${MEETING}" is already cancelled in office nyc` } })
  t.match(xresult(late[1]), { vote: { vote: 'no', reason: 'meeting "mtg-lon-99" does not exist in office nyc' } })
})

t.test('moving one occurrence keeps the rest of the series; cancelling it later drops the move', async (t) => {
  const { machine, x } = await officeWithMeeting(t)
  const occurrence = { originalStart: local('2026-03-25T10:00'), startMs: Date.UTC(2026, 2, 25, 14) }
  const move: TxIntent = { kind: 'move', meetingId: MEETING, occurrence, change: { start: local('2026-03-26T09:00'), durationMinutes: 30, title: 'plan' }, override: false, priority: 1 }
  const [voted] = await machine.apply([x.entry(prepare('chg-lon-30', move))])
  const token = (xresult(voted) as { vote: { token: number } }).vote.token
  const [done] = await machine.apply([x.entry(commit('chg-lon-30', token))])
  t.same(xresult(done), { kind: 'decided', state: 'committed', notified: ['bob', 'cora'] })
  const meeting = await readMeeting(machine.store, MEETING)
  t.same(meeting?.movedOccurrences, [{ originalStart: occurrence.originalStart, start: local('2026-03-26T09:00'), durationMinutes: 30 }])
  t.same(meeting === null ? [] : meetingOccurrences(meeting).map((o) => [o.startMs, o.endMs]), [
    [Date.UTC(2026, 2, 18, 14), Date.UTC(2026, 2, 18, 15)],
    [Date.UTC(2026, 2, 26, 13), Date.UTC(2026, 2, 26, 13, 30)],
    [Date.UTC(2026, 3, 1, 14), Date.UTC(2026, 3, 1, 15)],
  ])
  t.match((await notificationsAfter(machine.store, 'bob', 0, 10)).at(-1), { kind: 'updated', occurrenceStartMs: occurrence.startMs, message: 'the 2026-03-25T14:00:00.000Z occurrence of "plan" was changed by olga' })

  const movedRef = { originalStart: occurrence.originalStart, startMs: Date.UTC(2026, 2, 26, 13) }
  const [cancelVote] = await machine.apply([x.entry(prepare('chg-lon-31', { kind: 'cancel', meetingId: MEETING, occurrence: movedRef }))])
  await machine.apply([x.entry(commit('chg-lon-31', (xresult(cancelVote) as { vote: { token: number } }).vote.token))])
  t.match(await readMeeting(machine.store, MEETING), { movedOccurrences: [], cancelledOccurrences: [occurrence.originalStart], version: 3 })
})

t.test('a move checks the new time (conflicts with details, its own old time ignored), holds it, and commits the new time everywhere it is applied', async (t) => {
  const single = { ...WEEKLY, lines: [], optional: [], required: ['bob', 'cora'] }
  const { machine, log, x } = await officeWithMeeting(t, single)
  const attendance = { office: 'nyc', required: ['bob', 'cora'], optional: [] }
  await machine.apply([log.entry(event('cora', '2026-03-19T10:00', 60))])
  const moveTo = (start: string): TxIntent => ({ kind: 'move', meetingId: MEETING, occurrence: null, change: { start: local(start), durationMinutes: 60, title: 'plan v2' }, override: false, priority: 1 })

  const [refused] = await machine.apply([x.entry(prepare('chg-lon-20', moveTo('2026-03-19T10:30'), attendance))])
  t.match(xresult(refused), {
    vote: { vote: 'no', reason: 'attendees in office nyc are busy', conflicts: [{ user: 'cora', source: 'event', startMs: Date.UTC(2026, 2, 19, 14), endMs: Date.UTC(2026, 2, 19, 15), meetingStartMs: Date.UTC(2026, 2, 19, 14, 30) }] },
    displaceable: [],
  })
  t.same(await listHolds(machine.store, 'bob'), [], 'a refused move holds nothing')

  const [held] = await machine.apply([x.entry(prepare('chg-lon-21', moveTo('2026-03-18T10:30'), attendance))])
  t.match(xresult(held), { vote: { vote: 'yes' } }, 'the meeting does not conflict with its own old time')
  t.same((await listHolds(machine.store, 'cora')).map((h) => [h.meetingId, h.intervals]), [['chg-lon-21', [{ start: Date.UTC(2026, 2, 18, 14, 30), end: Date.UTC(2026, 2, 18, 15, 30) }]]])
  const token = (xresult(held) as { vote: { token: number } }).vote.token
  const [moved] = await machine.apply([x.entry(commit('chg-lon-21', token))])
  t.same(xresult(moved), { kind: 'decided', state: 'committed', notified: ['bob', 'cora'] })
  t.match(await readMeeting(machine.store, MEETING), { start: local('2026-03-18T10:30'), title: 'plan v2', version: 2 })
  t.same(await listHolds(machine.store, 'cora'), [])
  const [bobEvent] = await listEvents(machine.store, 'bob')
  t.match(bobEvent?.event, { id: MEETING, title: 'plan v2', timing: { start: local('2026-03-18T10:30') } })
  t.match((await notificationsAfter(machine.store, 'cora', 0, 10)).at(-1), { kind: 'updated', meetingId: MEETING, message: '"plan v2" was changed by olga' })
})

t.test('priority: only undecided lower-priority holds are displaceable, and a displaceable no vote records nothing', async (t) => {
  const { machine, log, x } = await officeWithMeeting(t, { ...WEEKLY, lines: [], start: local('2026-03-18T08:00') })
  const single = (title: string): MeetingSpec => ({ ...WEEKLY, title, lines: [], optional: [], required: ['bob'] })
  const bobOnly = { office: 'nyc', required: ['bob'], optional: [] }
  const out = await machine.apply([
    x.entry(prepare('mtg-lon-1', book(single('low'), 1), bobOnly)),
    x.entry(prepare('mtg-tok-1', book(single('urgent'), 5), bobOnly)),
    x.entry(prepare('mtg-tok-2', book(single('same'), 1), bobOnly)),
  ])
  t.match(xresult(out[0]), { vote: { vote: 'yes' } })
  t.match(xresult(out[1]), {
    vote: { vote: 'no', reason: 'attendees in office nyc are held by lower-priority transactions', conflicts: [{ user: 'bob', source: 'hold' }] },
    displaceable: [{ txId: 'mtg-lon-1', coordinatorOffice: 'lon', priority: 1 }],
  })
  t.equal(await readParticipantTx(machine.store, 'mtg-tok-1'), null, 'no record: the prepare may be asked again once the hold is gone')
  t.match(xresult(out[2]), { vote: { vote: 'no', reason: 'attendees in office nyc are busy' }, displaceable: [] }, 'equal priority displaces nothing')
  t.match(await readParticipantTx(machine.store, 'mtg-tok-2'), { state: { kind: 'aborted' } })

  const after = await machine.apply([
    x.entry({ kind: 'hold.decide', txId: 'mtg-lon-1', coordinatorTerm: 2, decision: 'abort', token: null }),
    x.entry(prepare('mtg-tok-1', book(single('urgent'), 5), bobOnly)),
  ])
  t.match(xresult(after[1]), { vote: { vote: 'yes' } }, 'asked again after the displacement, the prepare holds the time')
  t.same((await listHolds(machine.store, 'bob')).map((h) => h.meetingId), ['mtg-tok-1'])

  await machine.apply([log.entry(event('cora', '2026-03-18T10:00', 60))])
  const [mixed] = await machine.apply([x.entry(prepare('mtg-tok-3', book({ ...single('top'), required: ['bob', 'cora'] }, 9), { office: 'nyc', required: ['bob', 'cora'], optional: [] }))])
  t.match(xresult(mixed), { vote: { vote: 'no' }, displaceable: [] }, 'an event in the way makes displacing pointless')

  const token = (xresult(after[1]) as { vote: { token: number } }).vote.token
  await machine.apply([x.entry(commit('mtg-tok-1', token))])
  const [committed] = await machine.apply([x.entry(prepare('mtg-tok-4', book(single('top'), 9), bobOnly))])
  t.match(xresult(committed), { vote: { vote: 'no', conflicts: [{ user: 'bob', source: 'event', sourceId: 'mtg-tok-1' }] }, displaceable: [] }, 'a committed meeting is never displaced')
})

t.test('coordinator: a change waits for the booking to be delivered, one change at a time, and an abort frees the meeting at once', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const x = new XLog(log)
  const participants = [{ office: 'nyc', required: ['olga'], optional: [] }]
  const cancel = (meetingId: string): XofficeCommand => ({ kind: 'tx.begin', intent: { kind: 'cancel', meetingId, occurrence: null }, participants, leaseMs: LEASE })
  const commitDecision = { kind: 'commit' as const, tokens: { nyc: 5 }, leaseExpiresMs: AT + LEASE, warnings: [] }
  const out = await machine.apply([
    x.entry({ kind: 'tx.begin', intent: book({ ...WEEKLY, required: [], optional: [] }), participants, leaseMs: LEASE }),
    x.entry(cancel('mtg-nyc-1')),
    x.entry({ kind: 'tx.decide', txId: 'mtg-nyc-1', decision: commitDecision }),
    x.entry(cancel('mtg-nyc-1')),
    x.entry({ kind: 'tx.finish', txId: 'mtg-nyc-1' }),
    x.entry(cancel('mtg-nyc-1')),
    x.entry(cancel('mtg-nyc-1')),
    x.entry({ kind: 'tx.decide', txId: 'chg-nyc-6', decision: { kind: 'abort', reason: 'test', conflicts: [] } }),
    x.entry(cancel('mtg-nyc-1')),
    x.entry(cancel('mtg-nyc-77')),
  ])
  t.match(out[1], { ok: false, code: 'REJECTED', message: 'meeting "mtg-nyc-1" is not booked yet (its booking is undecided)' })
  t.match(out[3], { ok: false, code: 'REJECTED', message: 'meeting "mtg-nyc-1" is still being delivered to every office; try again shortly' })
  t.match(xresult(out[5]), { kind: 'tx', tx: { id: 'chg-nyc-6', intent: { kind: 'cancel', meetingId: 'mtg-nyc-1' }, phase: { kind: 'preparing' } } })
  t.match(out[6], { ok: false, code: 'REJECTED', message: 'meeting "mtg-nyc-1" is being changed by transaction "chg-nyc-6"; try again once it is decided' })
  t.match(xresult(out[8]), { tx: { id: 'chg-nyc-9' } }, 'the aborted change released the meeting')
  t.match(out[9], { ok: false, code: 'NOT_FOUND', message: 'meeting "mtg-nyc-77" was not booked across offices by this office' })
  t.equal(await pendingMeetingTransaction(machine.store, 'mtg-nyc-1'), 'chg-nyc-9', 'what a later change waits for')
  t.equal(await pendingMeetingTransaction(machine.store, 'mtg-nyc-77'), null)
})
