import t from 'tap'
import type { CalendarEvent } from '../../../src/calendar/availability/calendar-event.js'
import { validateCalendarEvent } from '../../../src/calendar/availability/calendar-event.js'
import { busyIntervals, conflictsWith } from '../../../src/calendar/availability/busy-time.js'
import { expandEvent } from '../../../src/calendar/availability/event-occurrences.js'
import type { LocalDateTime } from '../../../src/calendar/time/local-date-time.js'

// Expected instants are worked out by hand from the zones' offsets (EST -5, EDT -4, GMT 0,
// BST +1); Date.parse only turns the hand-written UTC strings into milliseconds.
const z = (iso: string): number => Date.parse(iso)
const iso = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z')
const at = (year: number, month: number, day: number, hour = 0, minute = 0): LocalDateTime => ({ year, month, day, hour, minute, second: 0 })
const span = (from: string, to: string): { start: number; end: number } => ({ start: z(from), end: z(to) })

function timed(id: string, start: LocalDateTime, durationMinutes: number, extra: Partial<CalendarEvent> = {}): CalendarEvent {
  return {
    id,
    title: id,
    zone: 'America/New_York',
    timing: { kind: 'timed', start, durationMinutes },
    transparency: 'busy',
    recurrence: null,
    meetingId: null,
    ...extra,
  }
}
const shown = (list: ReadonlyArray<{ startMs: number; endMs: number }>): string[] => list.map((o) => `${iso(o.startMs)}/${iso(o.endMs)}`)

t.test('a single timed event in New York on each side of the DST change', async (t) => {
  const before = timed('e1', at(2026, 3, 6, 9), 60) // EST
  const after = timed('e2', at(2026, 3, 10, 9), 90) // EDT
  t.same(shown(expandEvent(before, span('2026-03-01T00:00Z', '2026-04-01T00:00Z'))), ['2026-03-06T14:00Z/2026-03-06T15:00Z'])
  t.same(shown(expandEvent(after, span('2026-03-01T00:00Z', '2026-04-01T00:00Z'))), ['2026-03-10T13:00Z/2026-03-10T14:30Z'])
  t.same(expandEvent(after, span('2026-03-10T14:30Z', '2026-03-11T00:00Z')), [], 'half-open: the end instant is outside')
  t.same(shown(expandEvent(after, span('2026-03-10T14:29Z', '2026-03-11T00:00Z'))), ['2026-03-10T13:00Z/2026-03-10T14:30Z'])
})

t.test('all-day events span local midnight to midnight, 23 h on the London spring-forward day', async (t) => {
  const london: CalendarEvent = {
    ...timed('off', at(2026, 3, 29), 1),
    zone: 'Europe/London',
    timing: { kind: 'all-day', start: at(2026, 3, 29), days: 1 },
  }
  t.same(shown(expandEvent(london, span('2026-03-01T00:00Z', '2026-04-01T00:00Z'))), ['2026-03-29T00:00Z/2026-03-29T23:00Z'])
  // Two days over the New York fall-back: 1 Nov 00:00 EDT = 04:00Z to 3 Nov 00:00 EST = 05:00Z (49 h)
  const trip: CalendarEvent = { ...timed('trip', at(2026, 11, 1), 1), timing: { kind: 'all-day', start: at(2026, 11, 1), days: 2 } }
  t.same(shown(expandEvent(trip, span('2026-11-01T00:00Z', '2026-12-01T00:00Z'))), ['2026-11-01T04:00Z/2026-11-03T05:00Z'])
})

t.test('a weekly 09:00 meeting stays at 09:00 local across DST, with a moved and a cancelled occurrence', async (t) => {
  const weekly = timed('standup', at(2026, 3, 2, 9), 30, {
    recurrence: {
      lines: ['RRULE:FREQ=WEEKLY;COUNT=5'],
      exceptions: [
        { kind: 'cancelled', originalStart: at(2026, 3, 16, 9) },
        { kind: 'moved', originalStart: at(2026, 3, 23, 9), start: at(2026, 3, 24, 15), durationMinutes: 60 },
      ],
    },
  })
  t.same(shown(expandEvent(weekly, span('2026-03-01T00:00Z', '2026-04-30T00:00Z'))), [
    '2026-03-02T14:00Z/2026-03-02T14:30Z', // EST
    '2026-03-09T13:00Z/2026-03-09T13:30Z', // EDT from 8 March
    // 16 March cancelled
    '2026-03-24T19:00Z/2026-03-24T20:00Z', // moved to Tuesday 15:00 EDT, one hour long
    '2026-03-30T13:00Z/2026-03-30T13:30Z',
  ])
  // An occurrence that began before the window but runs into it is part of it.
  t.same(shown(expandEvent(weekly, span('2026-03-09T13:15Z', '2026-03-10T00:00Z'))), ['2026-03-09T13:00Z/2026-03-09T13:30Z'])
})

t.test('transparency: tentative blocks but is reported apart, free never blocks', async (t) => {
  const events = [
    timed('busy', at(2026, 3, 10, 9), 60), // 13:00Z-14:00Z
    timed('maybe', at(2026, 3, 10, 9, 30), 90, { transparency: 'tentative' }), // 13:30Z-15:00Z
    timed('lunch-walk', at(2026, 3, 10, 12), 60, { transparency: 'free' }), // 16:00Z-17:00Z
  ]
  const { busy, tentative } = busyIntervals(events, span('2026-03-10T00:00Z', '2026-03-11T00:00Z'))
  t.same(shown(busy.intervals().map((i) => ({ startMs: i.start, endMs: i.end }))), ['2026-03-10T13:00Z/2026-03-10T15:00Z'])
  t.same(shown(tentative.intervals().map((i) => ({ startMs: i.start, endMs: i.end }))), ['2026-03-10T14:00Z/2026-03-10T15:00Z'])
  t.same(
    conflictsWith(events, span('2026-03-10T13:45Z', '2026-03-10T16:30Z')).map((o) => o.eventId),
    ['busy', 'maybe'],
    'the free event is no conflict',
  )
  t.same(conflictsWith(events, span('2026-03-10T15:00Z', '2026-03-10T16:00Z')), [], 'touching the end is no conflict')
})

t.test('bad events are refused with the field named', async (t) => {
  const ok = timed('e', at(2026, 3, 10, 9), 60)
  t.equal(validateCalendarEvent(ok, 'event'), ok)
  t.throws(() => validateCalendarEvent({ ...ok, zone: 'Nowhere/City' }, 'event'), { name: 'CalendarInputError', field: 'event.zone' })
  t.throws(() => validateCalendarEvent({ ...ok, id: '' }, 'event'), { name: 'CalendarInputError', field: 'event.id' })
  t.throws(() => validateCalendarEvent({ ...ok, title: 'x'.repeat(1001) }, 'event'), { name: 'CalendarInputError', field: 'event.title' })
  t.throws(() => validateCalendarEvent({ ...ok, timing: { kind: 'timed', start: at(2026, 2, 30, 9), durationMinutes: 30 } }, 'event'), {
    name: 'CalendarInputError',
    field: 'event.timing.start',
    message: /2026-02-30T09:00:00.*not a calendar date/,
  })
  t.throws(() => validateCalendarEvent({ ...ok, timing: { kind: 'timed', start: at(2026, 3, 10, 9), durationMinutes: 0 } }, 'event'), {
    name: 'CalendarInputError',
    field: 'event.timing.durationMinutes',
    message: /whole number/,
  })
  t.throws(() => validateCalendarEvent({ ...ok, timing: { kind: 'all-day', start: at(2026, 3, 10, 9), days: 1 } }, 'event'), {
    name: 'CalendarInputError',
    field: 'event.timing.start',
    message: /local midnight/,
  })
  t.throws(() => validateCalendarEvent({ ...ok, recurrence: { lines: ['RRULE:FREQ=SOMETIMES'], exceptions: [] } }, 'event'), {
    name: 'CalendarInputError',
    field: 'event.recurrence.lines[0]',
    message: /^event\.recurrence\.lines\[0\]: .*SOMETIMES/,
  })
})
