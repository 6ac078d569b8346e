import t from 'tap'
import { join } from 'node:path'
import { agenda } from '../../src/calendar-service/calendar-queries.js'
import { notificationsAfter, readMeeting, readUser } from '../../src/calendar-service/calendar-store.js'
import { calendarKeys, holdCodec } from '../../src/calendar-service/calendar-keyspace.js'
import { calendarResult, EntryLog, event, local, meeting, openCalendarMachine, user } from './calendar-machine-fixture.js'

const SEED_RULES = ['RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR']

t.test('the first booking applied wins; the second gets a conflict naming user, event and instants', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const out = await machine.apply([
    log.entry(user('alice')),
    log.entry(user('bob')),
    log.entry(user('chika')),
    log.entry(meeting('alice', ['bob'], '2026-03-18T10:00')),
    log.entry(meeting('chika', ['bob'], '2026-03-18T10:30', 30)),
    log.entry(meeting('chika', ['bob'], '2026-03-18T10:30', 30, [], true)),
  ])
  const first = calendarResult(out[3])
  t.equal(first.kind === 'booking' && first.outcome.status, 'booked')
  const second = calendarResult(out[4])
  if (second.kind !== 'booking' || second.outcome.status !== 'conflict') throw t.fail('expected a conflict')
  t.same(second.outcome.conflicts, [
    { user: 'bob', source: 'event', sourceId: 'mtg-nyc-4', startMs: Date.UTC(2026, 2, 18, 14), endMs: Date.UTC(2026, 2, 18, 15), meetingStartMs: Date.UTC(2026, 2, 18, 14, 30) },
  ])
  const overridden = calendarResult(out[5])
  if (overridden.kind !== 'booking' || overridden.outcome.status !== 'booked') throw t.fail('expected an override booking')
  t.same(overridden.outcome.meeting.warnings, ['bob is busy 2026-03-18T14:00:00.000Z to 2026-03-18T15:00:00.000Z (event mtg-nyc-4)'])
  const bob = await agenda(machine.store, (await readUser(machine.store, 'bob'))!, { start: Date.UTC(2026, 2, 18), end: Date.UTC(2026, 2, 19) })
  t.same(bob.events.map((e) => [e.id, e.start, e.end]), [
    ['mtg-nyc-4', '2026-03-18T14:00:00.000Z', '2026-03-18T15:00:00.000Z'],
    ['mtg-nyc-6', '2026-03-18T14:30:00.000Z', '2026-03-18T15:00:00.000Z'],
  ])
})

t.test('stale versions are rejected with the current one and change nothing', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  await machine.apply([log.entry(user('alice')), log.entry(event('alice', '2026-03-10T09:00', 60))])
  const stale = await machine.apply([
    log.entry({ kind: 'event.delete', user: 'alice', eventId: 'evt-nyc-2', expectedVersion: 7 }),
    log.entry({ kind: 'user.update', user: { id: 'alice', schedule: { zone: 'Europe/London' } }, expectedVersion: 1 }),
    log.entry({ kind: 'event.delete', user: 'ghost', eventId: 'evt-nyc-2', expectedVersion: null }),
  ])
  t.same(stale[0], { ok: false, code: 'STALE_VERSION', message: 'event "evt-nyc-2" is at version 1, not the expected 7', currentVersion: 1 })
  t.match(stale[1], { ok: false, code: 'STALE_VERSION', currentVersion: 2 }, 'adding the event moved the calendar to version 2')
  t.match(stale[2], { ok: false, code: 'NOT_FOUND' })
  const ok = await machine.apply([log.entry({ kind: 'event.delete', user: 'alice', eventId: 'evt-nyc-2', expectedVersion: 1 })])
  t.match(calendarResult(ok[0]), { kind: 'eventDeleted', calendarVersion: 3 })
})

t.test('a recurring meeting with the seed pattern conflicts on the right occurrences; one cancelled occurrence notifies invitees', async (t) => {
  const { machine, notified } = await openCalendarMachine(t)
  const log = new EntryLog()
  const out = await machine.apply([
    log.entry(user('alice')),
    log.entry(user('bob')),
    log.entry(user('chika')),
    // Bob is away on 2026-06-17 (third Wednesday of June) and on 2026-11-20 (second-to-last Friday of November).
    log.entry(event('bob', '2026-06-17T09:00', 180)),
    log.entry(event('bob', '2026-11-20T10:30', 60)),
    log.entry(event('bob', '2026-06-18T10:00', 60)),
    log.entry(meeting('alice', ['bob', 'chika'], '2026-01-21T10:00', 60, SEED_RULES)),
  ])
  const conflict = calendarResult(out[6])
  if (conflict.kind !== 'booking' || conflict.outcome.status !== 'conflict') throw t.fail('expected conflicts')
  t.same(
    conflict.outcome.conflicts.map((c) => [c.user, c.sourceId, new Date(c.meetingStartMs).toISOString()]),
    [
      ['bob', 'evt-nyc-4', '2026-06-17T14:00:00.000Z'],
      ['bob', 'evt-nyc-5', '2026-11-20T15:00:00.000Z'],
    ],
  )
  const booked = calendarResult((await machine.apply([log.entry(meeting('alice', ['bob', 'chika'], '2026-01-21T10:00', 60, SEED_RULES, true))]))[0])
  if (booked.kind !== 'booking' || booked.outcome.status !== 'booked') throw t.fail('expected a booking')
  const id = booked.outcome.meeting.id
  t.same(booked.outcome.notified, ['bob', 'chika'])
  const cancel = calendarResult((await machine.apply([log.entry({ kind: 'meeting.cancel', meetingId: id, occurrenceStartMs: Date.UTC(2026, 1, 18, 15), expectedVersion: 1 })]))[0])
  t.match(cancel, { kind: 'meeting', notified: ['bob', 'chika'], meeting: { version: 2 } })
  const feb = await agenda(machine.store, (await readUser(machine.store, 'chika'))!, { start: Date.UTC(2026, 0, 1), end: Date.UTC(2026, 3, 1) })
  t.same(feb.events.map((e) => e.start), ['2026-01-21T15:00:00.000Z', '2026-03-18T14:00:00.000Z'], 'February is gone; March is in daylight time')
  const chikaNotes = await notificationsAfter(machine.store, 'chika', 0, 10)
  t.same(chikaNotes.map((n) => [n.seq, n.kind]), [[1, 'invited'], [2, 'occurrence-cancelled']])
  t.same(notified.at(-1), ['bob', 'chika'], 'subscribers are woken for the people notified')
  const missing = await machine.apply([log.entry({ kind: 'meeting.cancel', meetingId: id, occurrenceStartMs: Date.UTC(2026, 1, 18, 15), expectedVersion: null })])
  t.match(missing[0], { ok: false, code: 'NOT_FOUND' }, 'an occurrence cancelled once is gone')
})

t.test('responses change the attendee copy; cancelling the series reaches every invitee in outbox order', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const out = await machine.apply([
    log.entry(user('alice')),
    log.entry(user('bob')),
    log.entry(user('chika')),
    log.entry(meeting('alice', ['bob', 'chika'], '2026-03-18T10:00')),
    log.entry({ kind: 'meeting.respond', meetingId: 'mtg-nyc-4', user: 'bob', response: 'declined' }),
    log.entry(meeting('bob', ['chika'], '2026-03-18T15:00')),
    log.entry({ kind: 'meeting.cancel', meetingId: 'mtg-nyc-4', occurrenceStartMs: null, expectedVersion: null }),
  ])
  t.match(calendarResult(out[4]), { kind: 'meeting', notified: ['alice'] })
  t.match(calendarResult(out[6]), { kind: 'meeting', meeting: { status: 'cancelled' }, notified: ['bob', 'chika'] })
  const bobFree = await machine.apply([log.entry(meeting('bob', ['alice'], '2026-03-18T10:00'))])
  t.match(calendarResult(bobFree[0]), { kind: 'booking', outcome: { status: 'booked' } }, 'the cancelled meeting no longer blocks anyone')
  const chika = await notificationsAfter(machine.store, 'chika', 0, 10)
  t.same(chika.map((n) => [n.seq, n.kind, n.meetingId]), [
    [1, 'invited', 'mtg-nyc-4'],
    [2, 'invited', 'mtg-nyc-6'],
    [3, 'cancelled', 'mtg-nyc-4'],
  ])
  t.same((await notificationsAfter(machine.store, 'chika', 1, 10)).map((n) => n.seq), [2, 3], 'after= skips what was acknowledged')
})

t.test('answers taken by other offices are recorded only when newer, so crossing answers leave every copy alike', async (t) => {
  const answers = [
    { kind: 'meeting.respond', meetingId: 'mtg-nyc-3', user: 'bob', response: 'accepted', stamp: { counter: 2, office: 'tok' } },
    { kind: 'meeting.respond', meetingId: 'mtg-nyc-3', user: 'bob', response: 'declined', stamp: { counter: 1, office: 'lon' } },
    { kind: 'meeting.respond', meetingId: 'mtg-nyc-3', user: 'bob', response: 'tentative', stamp: { counter: 2, office: 'lon' } },
  ] as const
  const dir = t.testdir()
  const copies = []
  for (const [name, order] of [['a', [0, 1, 2]], ['b', [2, 1, 0]]] as const) {
    const { machine } = await openCalendarMachine(t, join(dir, name))
    const log = new EntryLog()
    await machine.apply([log.entry(user('alice')), log.entry(user('bob')), log.entry(meeting('alice', ['bob'], '2026-03-18T10:00'))])
    const out = await machine.apply(order.map((i) => log.entry(answers[i])))
    copies.push({ machine, out, log })
  }
  const [a, b] = copies as [(typeof copies)[number], (typeof copies)[number]]
  t.match(calendarResult(a.out[0]), { kind: 'meeting', meeting: { responses: { bob: 'accepted' }, version: 2 }, notified: ['alice'] })
  t.match(calendarResult(a.out[1]), { kind: 'meeting', meeting: { responses: { bob: 'accepted' }, version: 3 }, notified: [] }, 'an older counter changes nothing but the version')
  t.match(calendarResult(a.out[2]), { kind: 'meeting', meeting: { responses: { bob: 'accepted' }, version: 4 }, notified: [] }, 'nor the same counter from a lower office id')
  t.match(calendarResult(b.out[2]), { kind: 'meeting', meeting: { responses: { bob: 'accepted' }, answerStamps: { bob: { counter: 2, office: 'tok' } } } }, 'arriving last, the newest still wins')
  t.same(await readMeeting(a.machine.store, 'mtg-nyc-3'), await readMeeting(b.machine.store, 'mtg-nyc-3'), 'both copies hold the same meeting record')
  const local = await a.machine.apply([a.log.entry({ kind: 'meeting.respond', meetingId: 'mtg-nyc-3', user: 'bob', response: 'declined' })])
  t.match(calendarResult(local[0]), { kind: 'meeting', meeting: { responses: { bob: 'declined' }, answerStamps: { bob: { counter: 3, office: 'nyc' } } } }, 'an answer taken here goes one above the newest known')
})

t.test('snapshot round trip serves the same calendars; different batchings give byte-identical snapshots', async (t) => {
  const commands = [
    user('alice'),
    user('bob'),
    event('bob', '2026-03-10T09:00', 60, ['RRULE:FREQ=WEEKLY;BYDAY=TU']),
    meeting('alice', ['bob'], '2026-03-10T10:30', 30),
    meeting('alice', ['bob'], '2026-03-11T09:30', 30, ['RRULE:FREQ=DAILY;COUNT=5']),
    { kind: 'meeting.respond', meetingId: 'mtg-nyc-5', user: 'bob', response: 'tentative' } as const,
    { kind: 'meeting.cancel', meetingId: 'mtg-nyc-5', occurrenceStartMs: Date.UTC(2026, 2, 12, 13, 30), expectedVersion: null } as const,
  ]
  const dir = t.testdir()
  const oneBatch = await openCalendarMachine(t, join(dir, 'a'))
  const log1 = new EntryLog()
  await oneBatch.machine.apply(commands.map((c) => log1.entry(c)))
  const singles = await openCalendarMachine(t, join(dir, 'b'))
  const log2 = new EntryLog()
  for (const c of commands) await singles.machine.apply([log2.entry(c)])
  const a = await oneBatch.machine.snapshot()
  const b = await singles.machine.snapshot()
  t.ok(Buffer.from(a.data).equals(Buffer.from(b.data)), 'byte-identical snapshots')

  const restored = await openCalendarMachine(t, join(dir, 'c'))
  await restored.machine.restore({ meta: { index: a.index, term: a.term, conf: { voters: ['r'], learners: [] } }, data: a.data } as never)
  const window = { start: Date.UTC(2026, 2, 9), end: Date.UTC(2026, 2, 17) }
  const bob = (await readUser(oneBatch.machine.store, 'bob'))!
  t.same(await agenda(restored.machine.store, bob, window), await agenda(oneBatch.machine.store, bob, window))
  t.equal((await agenda(restored.machine.store, bob, window)).events.length, 1 + 1 + 4, 'one weekly event, one meeting, four daily occurrences')
})

t.test('a retried request id is answered, not applied again', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const out = await machine.apply([log.entry(user('alice')), log.entry(user('bob')), log.entry(meeting('alice', ['bob'], '2026-03-18T10:00'), 'same'), log.entry(meeting('alice', ['bob'], '2026-03-18T10:00'), 'same')])
  t.same(out[3], out[2])
  t.equal((await notificationsAfter(machine.store, 'bob', 0, 10)).length, 1)
})

t.test('moving a meeting checks the new time, ignores its own old one, and notifies attendees', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  await machine.apply([log.entry(user('alice')), log.entry(user('bob')), log.entry(event('bob', '2026-03-18T14:00', 60)), log.entry(meeting('alice', ['bob'], '2026-03-18T10:00'))])
  const move = (start: string, expectedVersion: number | null) =>
    log.entry({ kind: 'meeting.update', meetingId: 'mtg-nyc-4', occurrenceStartMs: null, start: local(start), durationMinutes: null, title: 'moved', expectedVersion, override: false })
  const out = await machine.apply([move('2026-03-18T13:30', 1), move('2026-03-18T10:30', 1), move('2026-03-18T11:00', 1)])
  t.match(calendarResult(out[0]), { kind: 'booking', outcome: { status: 'conflict', conflicts: [{ user: 'bob', sourceId: 'evt-nyc-3' }] } })
  t.match(calendarResult(out[1]), { kind: 'booking', outcome: { status: 'booked', meeting: { version: 2, title: 'moved' }, notified: ['bob'] } }, 'overlapping its own old time is fine')
  t.match(out[2], { ok: false, code: 'STALE_VERSION', currentVersion: 2 })
  const notes = await notificationsAfter(machine.store, 'bob', 0, 10)
  t.same(notes.map((n) => n.kind), ['invited', 'updated'])
  const bob = await agenda(machine.store, (await readUser(machine.store, 'bob'))!, { start: Date.UTC(2026, 2, 18), end: Date.UTC(2026, 2, 19) })
  t.same(bob.events.map((e) => [e.id, e.start]), [['mtg-nyc-4', '2026-03-18T14:30:00.000Z'], ['evt-nyc-3', '2026-03-18T18:00:00.000Z']])
})

t.test('moving one occurrence of a series checks its new time and leaves the others where they were', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  await machine.apply([log.entry(user('alice')), log.entry(user('bob')), log.entry(event('bob', '2026-03-26T10:00', 60)), log.entry(meeting('alice', ['bob'], '2026-03-18T10:00', 60, ['RRULE:FREQ=WEEKLY;COUNT=3']))])
  const moveOccurrence = (start: string) =>
    log.entry({ kind: 'meeting.update', meetingId: 'mtg-nyc-4', occurrenceStartMs: Date.UTC(2026, 2, 25, 14), start: local(start), durationMinutes: null, title: null, expectedVersion: null, override: false })
  const out = await machine.apply([moveOccurrence('2026-03-26T10:30'), moveOccurrence('2026-03-26T15:00')])
  t.match(calendarResult(out[0]), { outcome: { status: 'conflict', conflicts: [{ user: 'bob', sourceId: 'evt-nyc-3' }] } })
  t.match(calendarResult(out[1]), { outcome: { status: 'booked', meeting: { version: 2, movedOccurrences: [{ originalStart: local('2026-03-25T10:00'), start: local('2026-03-26T15:00'), durationMinutes: 60 }] }, notified: ['bob'] } })
  const bob = await agenda(machine.store, (await readUser(machine.store, 'bob'))!, { start: Date.UTC(2026, 2, 18), end: Date.UTC(2026, 3, 2) })
  t.same(bob.events.filter((e) => e.meetingId !== null).map((e) => e.start), ['2026-03-18T14:00:00.000Z', '2026-03-26T19:00:00.000Z', '2026-04-01T14:00:00.000Z'])
  t.match((await notificationsAfter(machine.store, 'bob', 0, 10)).at(-1), { kind: 'updated', occurrenceStartMs: Date.UTC(2026, 2, 25, 14) })
  const [missing] = await machine.apply([log.entry({ kind: 'meeting.update', meetingId: 'mtg-nyc-4', occurrenceStartMs: Date.UTC(2026, 2, 25, 14), start: null, durationMinutes: 30, title: null, expectedVersion: null, override: false })])
  t.match(missing, { ok: false, code: 'NOT_FOUND', message: 'meeting "mtg-nyc-4" has no occurrence starting at 2026-03-25T14:00:00.000Z' }, 'the moved occurrence is named by its new start')
})

t.test('live holds block bookings until their lease ends at the entry time', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog(1, Date.UTC(2026, 0, 5, 12))
  await machine.apply([log.entry(user('alice')), log.entry(user('bob'))])
  // Holds come from cross-office prepares (issue 6); written directly here to test the check.
  const hold = { id: 'hold-1', user: 'bob', meetingId: 'mtg-lon-9', fencingToken: 3, leaseExpiresMs: Date.UTC(2026, 0, 5, 12, 0, 30), intervals: [{ start: Date.UTC(2026, 2, 18, 14), end: Date.UTC(2026, 2, 18, 15) }] }
  await machine.store.commit([{ type: 'put', key: calendarKeys.hold('bob', 'hold-1'), value: holdCodec.encode(hold) }], { index: 2, term: 1 })
  const blocked = calendarResult((await machine.apply([log.entry(meeting('alice', ['bob'], '2026-03-18T10:30', 30))]))[0])
  t.match(blocked, { kind: 'booking', outcome: { status: 'conflict', conflicts: [{ user: 'bob', source: 'hold', sourceId: 'hold-1' }] } })
  const later = new EntryLog(4, Date.UTC(2026, 0, 5, 12, 1))
  const free = calendarResult((await machine.apply([later.entry(meeting('alice', ['bob'], '2026-03-18T10:30', 30))]))[0])
  t.match(free, { kind: 'booking', outcome: { status: 'booked' } }, 'an expired lease no longer blocks')
})
