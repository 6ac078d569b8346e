/**
 * event.import on the calendar state machine: an iCalendar UID (+ RECURRENCE-ID) finds the event
 * an earlier import stored, so importing again updates or keeps it and never duplicates it.
 */
import t from 'tap'
import type { CalendarCommand, EventSpec } from '../../src/calendar-service/calendar-command.js'
import { listEvents } from '../../src/calendar-service/calendar-store.js'
import type { IcalIdentity } from '../../src/ical/index.js'
import { calendarResult, EntryLog, local, openCalendarMachine, user } from '../calendar-service/calendar-machine-fixture.js'

const STANDUP: IcalIdentity = { uid: 'standup/1@example.com', recurrenceId: null, sequence: 2, lastModifiedMs: Date.UTC(2026, 1, 15) }

function spec(title: string, start = '2026-03-02T09:30'): EventSpec {
  return { title, zone: 'America/New_York', timing: { kind: 'timed', start: local(start), durationMinutes: 30 }, transparency: 'busy', recurrence: { lines: ['RRULE:FREQ=WEEKLY;COUNT=4'], exceptions: [] } }
}

const importing = (event: EventSpec, origin: IcalIdentity = STANDUP, who = 'alice'): CalendarCommand => ({ kind: 'event.import', user: who, event, origin })

t.test('the same UID imported again is unchanged, a newer revision updates, an older one is kept out', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const out = await machine.apply([
    log.entry(user('alice')),
    log.entry(importing(spec('Standup'))),
    log.entry(importing(spec('Standup'))),
    log.entry(importing(spec('Standup, moved', '2026-03-02T10:00'), { ...STANDUP, sequence: 3 })),
    log.entry(importing(spec('Standup'))),
    log.entry(importing(spec('Standup, edited'), { ...STANDUP, sequence: 3, lastModifiedMs: Date.UTC(2026, 1, 16) })),
  ])
  t.match(calendarResult(out[1]), { kind: 'eventImported', eventId: 'evt-nyc-2', version: 1, outcome: 'added' })
  t.match(calendarResult(out[2]), { kind: 'eventImported', eventId: 'evt-nyc-2', version: 1, outcome: 'unchanged' })
  t.match(calendarResult(out[3]), { kind: 'eventImported', eventId: 'evt-nyc-2', version: 2, outcome: 'updated' }, 'a higher SEQUENCE updates')
  t.match(calendarResult(out[4]), { kind: 'eventImported', eventId: 'evt-nyc-2', version: 2, outcome: 'older' }, 'the first copy again is older than the stored one')
  t.match(calendarResult(out[5]), { kind: 'eventImported', eventId: 'evt-nyc-2', version: 3, outcome: 'updated' }, 'a later LAST-MODIFIED at the same SEQUENCE updates')
  const events = await listEvents(machine.store, 'alice')
  t.equal(events.length, 1, 'one event, however often it was imported')
  t.equal(events[0]?.event.title, 'Standup, edited')
  t.same(events[0]?.origin, { ...STANDUP, sequence: 3, lastModifiedMs: Date.UTC(2026, 1, 16) })
})

t.test('at the same revision, different content updates; an occurrence on its own is a separate event; people are separate', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const occurrence = { ...STANDUP, recurrenceId: 'TZID=America/New_York:20260309T093000' }
  const out = await machine.apply([
    log.entry(user('alice')),
    log.entry(user('bob')),
    log.entry(importing(spec('Standup'))),
    log.entry(importing(spec('Standup (room 4)'))),
    log.entry(importing({ ...spec('Standup'), recurrence: null }, occurrence)),
    log.entry(importing(spec('Standup'), STANDUP, 'bob')),
  ])
  t.match(calendarResult(out[3]), { eventId: 'evt-nyc-3', outcome: 'updated', version: 2 })
  t.match(calendarResult(out[4]), { eventId: 'evt-nyc-5', outcome: 'added' }, 'UID + RECURRENCE-ID is another key than the UID')
  t.match(calendarResult(out[5]), { eventId: 'evt-nyc-6', outcome: 'added' }, "bob's import does not find alice's event")
  const again = await machine.apply([log.entry(importing({ ...spec('Standup'), recurrence: null }, occurrence))])
  t.match(calendarResult(again[0]), { eventId: 'evt-nyc-5', outcome: 'unchanged' })
  t.equal((await listEvents(machine.store, 'alice')).length, 2)
})

t.test('a deleted imported event is added again; a local edit keeps the UID it was imported with', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  await machine.apply([log.entry(user('alice')), log.entry(importing(spec('Standup')))])
  const edited = await machine.apply([
    log.entry({ kind: 'event.update', user: 'alice', eventId: 'evt-nyc-2', event: spec('Standup, my notes'), expectedVersion: 1 }),
    log.entry(importing(spec('Standup'), { ...STANDUP, sequence: 1 })),
  ])
  t.match(calendarResult(edited[1]), { eventId: 'evt-nyc-2', outcome: 'older' }, 'the edited event is still found by its UID')
  const deleted = await machine.apply([
    log.entry({ kind: 'event.delete', user: 'alice', eventId: 'evt-nyc-2', expectedVersion: null }),
    log.entry(importing(spec('Standup'))),
  ])
  t.match(calendarResult(deleted[1]), { eventId: 'evt-nyc-6', outcome: 'added', version: 1 })
  t.same((await listEvents(machine.store, 'alice')).map((e) => e.event.id), ['evt-nyc-6'])
})

t.test('two imports of one UID in one batch (two imports racing) store one event', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const log = new EntryLog()
  const out = await machine.apply([log.entry(user('alice')), log.entry(importing(spec('Standup'))), log.entry(importing(spec('Standup')))])
  t.same([calendarResult(out[1]), calendarResult(out[2])].map((r) => r.kind === 'eventImported' && r.outcome), ['added', 'unchanged'])
  t.equal((await listEvents(machine.store, 'alice')).length, 1)
})

t.test('an import for a person the office does not hold is refused', async (t) => {
  const { machine } = await openCalendarMachine(t)
  const out = await machine.apply([new EntryLog().entry(importing(spec('Standup'), STANDUP, 'ghost'))])
  t.match(out[0], { ok: false, code: 'NOT_FOUND', message: 'user "ghost" is not in this office' })
})
