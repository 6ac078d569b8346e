import t from 'tap'
import type { CalendarEvent } from '../../../src/calendar/availability/calendar-event.js'
import type { WorkSchedule } from '../../../src/calendar/availability/work-schedule.js'
import { conflictReport } from '../../../src/calendar/suggestions/conflict-report.js'
import { findMeetingSlots } from '../../../src/calendar/suggestions/find-meeting-slots.js'
import type { AttendeeCalendar } from '../../../src/calendar/suggestions/meeting-request.js'
import type { LocalDateTime } from '../../../src/calendar/time/local-date-time.js'

// The seed's pattern: the third Wednesday of every month except December, plus the
// second-to-last Friday of November. Its 2026 dates, read off a calendar: 21 Jan, 18 Feb, 18 Mar,
// 15 Apr, 20 May, 17 Jun, 15 Jul, 19 Aug, 16 Sep, 21 Oct, 18 Nov, and Friday 20 Nov: 12 in all.
const seedPattern = ['RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR']
const z = (iso: string): number => Date.parse(iso)
const iso = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z')
const at = (year: number, month: number, day: number, hour = 0, minute = 0): LocalDateTime => ({ year, month, day, hour, minute, second: 0 })

const d = [{ start: '09:00', end: '17:00' }]
const ny: WorkSchedule = { zone: 'America/New_York', weekly: { 1: d, 2: d, 3: d, 4: d, 5: d, 6: [], 7: [] }, lunch: null, holidays: [], overrides: {} }
const busy = (id: string, start: LocalDateTime): CalendarEvent => ({
  id,
  title: id,
  zone: 'America/New_York',
  timing: { kind: 'timed', start, durationMinutes: 60 },
  transparency: 'busy',
  recurrence: null,
  meetingId: null,
})
const alice: AttendeeCalendar = { kind: 'events', id: 'alice', zone: 'America/New_York', schedule: ny, events: [] }
// bob is busy 10:00-11:00 New York time on 18 March (EDT) and on Friday 20 November (EST).
const bob: AttendeeCalendar = {
  kind: 'events',
  id: 'bob',
  zone: 'America/New_York',
  schedule: ny,
  events: [busy('dentist', at(2026, 3, 18, 10)), busy('review', at(2026, 11, 20, 10))],
}
const horizonEndMs = z('2027-01-01T00:00Z')

t.test('a recurring candidate is scored over all its occurrences in the horizon', async (t) => {
  // Window: 21 January 2026, 09:00-11:00 EST = 14:00Z-16:00Z; one-hour meeting.
  const window = { start: z('2026-01-21T14:00Z'), end: z('2026-01-21T16:00Z') }
  const request = { organizer: 'alice', required: ['bob'], durationMinutes: 60, window, recurrence: { lines: seedPattern, horizonEndMs } }
  const result = findMeetingSlots(request, [alice, bob])
  // Only 09:00 local misses bob's two 10:00 appointments; 09:15 ... 10:00 all hit both.
  t.same(result.suggestions.map((s) => iso(s.startMs)), ['2026-01-21T14:00Z'])
  t.equal(result.suggestions[0]!.series!.summary, 'no conflicts on 12 occurrences')
  t.equal(result.candidatesScored, 5)

  const report = conflictReport({ organizer: 'alice', required: ['bob'], startMs: z('2026-01-21T15:00Z'), durationMinutes: 60, recurrence: { lines: seedPattern, horizonEndMs } }, [alice, bob])
  const series = report.meeting.series!
  t.equal(series.summary, 'conflicts on 2 of 12 occurrences: 2026-03-18, 2026-11-20')
  // 18 March 10:00 EDT = 14:00Z; 20 November 10:00 EST = 15:00Z: the rule keeps wall-clock time.
  t.same(series.conflicting.map((c) => iso(c.startMs)), ['2026-03-18T14:00Z', '2026-11-20T15:00Z'])
  t.same(report.warnings, [
    'bob (required): busy (dentist) at 2026-03-18T10:00:00.000-04:00',
    'bob (required): busy (review) at 2026-11-20T10:00:00.000-05:00',
  ])
})

t.test('when every start hits a conflict, the best partial series is offered with the reason', async (t) => {
  const window = { start: z('2026-01-21T15:00Z'), end: z('2026-01-21T16:00Z') } // only 10:00 EST fits the window
  const result = findMeetingSlots({ organizer: 'alice', required: ['bob'], durationMinutes: 60, window, recurrence: { lines: seedPattern, horizonEndMs } }, [alice, bob])
  t.same(result.suggestions, [])
  t.equal(result.explanation, 'no start in the window is free on all its occurrences; the best has conflicts on 2 of 12')
  t.equal(result.partial[0]!.series!.summary, 'conflicts on 2 of 12 occurrences: 2026-03-18, 2026-11-20')
  t.equal(result.partial[0]!.score.conflictingOccurrences, 2)
})

t.test('only dates of the rule itself can start a series', async (t) => {
  // Tuesday 20 January is no third Wednesday: no candidate at all.
  const window = { start: z('2026-01-20T14:00Z'), end: z('2026-01-20T16:00Z') }
  const result = findMeetingSlots({ organizer: 'alice', required: ['bob'], durationMinutes: 60, window, recurrence: { lines: seedPattern, horizonEndMs } }, [alice, bob])
  t.equal(result.candidatesScored, 0)
  t.equal(result.explanation, 'no start in the window (between 2026-01-20T14:00:00.000Z and 2026-01-20T16:00:00.000Z) begins an occurrence of the recurrence rule')
  t.throws(
    () => conflictReport({ organizer: 'alice', required: ['bob'], startMs: z('2026-01-20T14:00Z'), durationMinutes: 60, recurrence: { lines: seedPattern } }, [alice, bob]),
    { name: 'CalendarInputError', field: 'recurrence', message: /is not an occurrence of the rule/ },
  )
  t.throws(
    () => findMeetingSlots({ organizer: 'alice', required: ['bob'], durationMinutes: 60, window, recurrence: { lines: ['RRULE:FREQ=FORTNIGHTLY'] } }, [alice, bob]),
    { name: 'CalendarInputError', field: 'recurrence.lines[0]' },
  )
})

t.test('the per-date shortcut gives exactly what expanding every candidate gives', async (t) => {
  // An EXDATE long past changes no occurrence but makes the lines depend on the time of day,
  // which forces the full expansion for every candidate. The window spans the March DST change.
  const window = { start: z('2026-03-04T13:00Z'), end: z('2026-03-19T23:00Z') }
  const forced = 'EXDATE:19000101T000000'
  for (const lines of [seedPattern, ['RRULE:FREQ=WEEKLY;BYDAY=WE,TH;COUNT=20'], ['RRULE:FREQ=DAILY;INTERVAL=3;UNTIL=20260601']]) {
    const request = { organizer: 'alice', required: ['bob'], durationMinutes: 60, window, granularityMinutes: 60, limit: 100 }
    const fast = findMeetingSlots({ ...request, recurrence: { lines, horizonEndMs } }, [alice, bob])
    const full = findMeetingSlots({ ...request, recurrence: { lines: [...lines, forced], horizonEndMs } }, [alice, bob])
    t.ok(fast.candidatesScored > 0, `${lines[0]}: candidates exist`)
    t.same(fast, full, lines[0]!)
  }
})
