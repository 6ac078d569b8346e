import t from 'tap'
import type { CalendarEvent, Transparency } from '../../../src/calendar/availability/calendar-event.js'
import type { TimeRange, WorkSchedule } from '../../../src/calendar/availability/work-schedule.js'
import { IntervalSet } from '../../../src/calendar/intervals/interval-set.js'
import { conflictReport } from '../../../src/calendar/suggestions/conflict-report.js'
import { findMeetingSlots } from '../../../src/calendar/suggestions/find-meeting-slots.js'
import type { AttendeeCalendar } from '../../../src/calendar/suggestions/meeting-request.js'
import type { LocalDateTime } from '../../../src/calendar/time/local-date-time.js'

// Every expected instant below is worked out by hand from the zones' offsets on those dates
// (New York EDT -4 after 8 March 2026, London GMT 0 until 29 March and BST +1 after, Tokyo +9,
// Los Angeles PDT -7 in June, Kathmandu +5:45); Date.parse only reads the hand-written strings.
const z = (iso: string): number => Date.parse(iso)
const iso = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z')
const at = (year: number, month: number, day: number, hour = 0, minute = 0): LocalDateTime => ({ year, month, day, hour, minute, second: 0 })
const day = { start: z('2026-03-10T00:00Z'), end: z('2026-03-11T00:00Z') }

function schedule(zone: string, hours: TimeRange, lunch: TimeRange | null): WorkSchedule {
  const d = [hours]
  return { zone, weekly: { 1: d, 2: d, 3: d, 4: d, 5: d, 6: [], 7: [] }, lunch, holidays: [], overrides: {} }
}
function event(id: string, zone: string, start: LocalDateTime, durationMinutes: number, transparency: Transparency = 'busy'): CalendarEvent {
  return { id, title: id, zone, timing: { kind: 'timed', start, durationMinutes }, transparency, recurrence: null, meetingId: null }
}
// Different lunch times per office: New York 12:00-13:00 local, London 13:00-14:00 local.
const nySchedule = schedule('America/New_York', { start: '09:00', end: '17:00' }, { start: '12:00', end: '13:00' })
const lonSchedule = schedule('Europe/London', { start: '09:00', end: '17:00' }, { start: '13:00', end: '14:00' })
function person(id: string, sched: WorkSchedule, events: CalendarEvent[] = []): AttendeeCalendar {
  return { kind: 'events', id, zone: sched.zone, schedule: sched, events }
}

// On Tuesday 10 March 2026 alice (New York, EDT) works 13:00Z-16:00Z and 17:00Z-21:00Z; bob and
// carol (London, GMT) 09:00Z-13:00Z and 14:00Z-17:00Z. Common time: 14:00Z-16:00Z.
// alice's 10:00-10:30 EDT event covers 14:00Z-14:30Z.
const alice = person('alice', nySchedule, [event('a1', 'America/New_York', at(2026, 3, 10, 10), 30)])
const bob = person('bob', lonSchedule)

t.test('earliest common free time inside both offices working hours and around both lunches', async (t) => {
  const result = findMeetingSlots({ organizer: 'alice', required: ['bob'], durationMinutes: 60, window: day }, [alice, bob])
  t.equal(result.explanation, null)
  t.same(result.suggestions.map((s) => iso(s.startMs)), ['2026-03-10T14:30Z', '2026-03-10T14:45Z', '2026-03-10T15:00Z'])
  const first = result.suggestions[0]!
  t.equal(iso(first.endMs), '2026-03-10T15:30Z')
  t.same(first.free, ['alice', 'bob'])
  t.same(first.busy, [])
  t.same(
    first.attendees.map((a) => [a.id, a.role, a.localStart, a.status]),
    [
      ['alice', 'organizer', '2026-03-10T10:30:00.000-04:00', 'free'],
      ['bob', 'required', '2026-03-10T14:30:00.000+00:00', 'free'],
    ],
  )
  t.equal(first.series, null)
})

t.test('optional attendees: slots where more of them can come rank first', async (t) => {
  // carol (optional) is busy 14:30Z-15:00Z: the 14:30 and 14:45 starts lose her.
  const carol = person('carol', lonSchedule, [event('c1', 'Europe/London', at(2026, 3, 10, 14, 30), 30)])
  const result = findMeetingSlots(
    { organizer: 'alice', required: ['bob'], optional: ['carol'], durationMinutes: 60, window: day },
    [alice, bob, carol],
  )
  t.same(result.suggestions.map((s) => iso(s.startMs)), ['2026-03-10T15:00Z', '2026-03-10T14:30Z', '2026-03-10T14:45Z'])
  const second = result.suggestions[1]!
  t.same(second.busy, ['carol'])
  t.same(second.attendees[2]!.reasons, [{ kind: 'conflict', occurrenceStartMs: z('2026-03-10T14:30Z'), transparency: 'busy', eventIds: ['c1'] }])
  t.equal(second.score.optionalConflicts, 1)
})

t.test('tentative events block (and are reported as tentative); free events never block', async (t) => {
  const bobTentative = person('bob', lonSchedule, [
    event('b1', 'Europe/London', at(2026, 3, 10, 14, 30), 30, 'tentative'), // 14:30Z-15:00Z
    event('b2', 'Europe/London', at(2026, 3, 10, 15), 60, 'free'), // 15:00Z-16:00Z
  ])
  const result = findMeetingSlots({ organizer: 'alice', required: ['bob'], durationMinutes: 60, window: day }, [alice, bobTentative])
  t.same(result.suggestions.map((s) => iso(s.startMs)), ['2026-03-10T15:00Z'])
  const report = conflictReport({ organizer: 'alice', required: ['bob'], startMs: z('2026-03-10T14:30Z'), durationMinutes: 60 }, [alice, bobTentative])
  t.equal(report.meeting.fits, false)
  t.same(report.warnings, ['bob (required): tentative (b1) at 2026-03-10T14:30:00.000+00:00'])
})

t.test('conflict report for an override: events, remote busy time and working hours', async (t) => {
  // bob as a remote office reports him: merged busy and working intervals only, no event ids.
  const remoteBob: AttendeeCalendar = {
    kind: 'intervals',
    id: 'bob',
    zone: 'Europe/London',
    working: IntervalSet.of([{ start: z('2026-03-10T09:00Z'), end: z('2026-03-10T17:00Z') }]),
    busy: IntervalSet.of([{ start: z('2026-03-10T13:30Z'), end: z('2026-03-10T14:15Z') }]),
    tentative: IntervalSet.empty,
  }
  // 13:45Z-14:45Z lies inside alice's morning (13:00Z-16:00Z) but hits her a1 (14:00Z-14:30Z);
  // bob is busy 13:30Z-14:15Z.
  const report = conflictReport({ organizer: 'alice', required: ['bob'], startMs: z('2026-03-10T13:45Z'), durationMinutes: 60 }, [alice, remoteBob])
  t.same(report.warnings, ['alice (organizer): busy (a1) at 2026-03-10T09:45:00.000-04:00', 'bob (required): busy at 2026-03-10T13:45:00.000+00:00'])
  t.same(report.meeting.busy, ['alice', 'bob'])
  // 20:30Z-21:30Z: alice's day ends 17:00 EDT = 21:00Z (30 min over), bob's ended 17:00Z (60 min over).
  const late = conflictReport({ organizer: 'alice', required: ['bob'], startMs: z('2026-03-10T20:30Z'), durationMinutes: 60 }, [alice, remoteBob])
  t.same(late.warnings, [
    'alice (organizer): 30 minutes outside working hours at 2026-03-10T16:30:00.000-04:00',
    'bob (required): 60 minutes outside working hours at 2026-03-10T20:30:00.000+00:00',
  ])
  t.equal(late.meeting.score.maxOutOfHoursMinutes, 60)
  t.equal(late.meeting.score.totalOutOfHoursMinutes, 90)
})

t.test('no common working time between Tokyo and Los Angeles: the reason, and fair partial slots', async (t) => {
  // In June, Tokyo 09:00-17:00 JST = 00:00Z-08:00Z and Los Angeles 09:00-17:00 PDT = 16:00Z-24:00Z:
  // the days touch but never overlap.
  const taro = person('taro', schedule('Asia/Tokyo', { start: '09:00', end: '17:00' }, null))
  const lena = person('lena', schedule('America/Los_Angeles', { start: '09:00', end: '17:00' }, null))
  const window = { start: z('2026-06-01T00:00Z'), end: z('2026-06-06T00:00Z') }
  const result = findMeetingSlots({ organizer: 'lena', required: ['taro'], durationMinutes: 60, window, limit: 2 }, [taro, lena])
  t.same(result.suggestions, [])
  t.equal(
    result.explanation,
    'no common working time of 60 minutes between America/Los_Angeles (lena) and Asia/Tokyo (taro) between 2026-06-01T00:00:00.000Z and 2026-06-06T00:00:00.000Z',
  )
  // The fairest hour splits the overrun: Monday 16:30-17:30 PDT = Tuesday 08:30-09:30 JST, 30 min each.
  const best = result.partial[0]!
  t.equal(iso(best.startMs), '2026-06-01T23:30Z')
  t.same(best.attendees.map((a) => [a.id, a.localStart, a.status]), [
    ['lena', '2026-06-01T16:30:00.000-07:00', 'outside-working-hours'],
    ['taro', '2026-06-02T08:30:00.000+09:00', 'outside-working-hours'],
  ])
  t.equal(best.score.maxOutOfHoursMinutes, 30)
  t.equal(best.score.totalOutOfHoursMinutes, 60)
  t.equal(best.fits, false)
  t.equal(iso(result.partial[1]!.startMs), '2026-06-02T23:30Z', 'the same fair hour a day later')
})

t.test('Asia/Kathmandu (+05:45) organizer: the grid follows her wall clock, after her lunch', async (t) => {
  // Kathmandu 10:00-18:00 with lunch 13:00-14:00 = 04:15Z-07:15Z and 08:15Z-12:15Z;
  // London (BST in June) 09:00-17:00 = 08:00Z-16:00Z. Common: 08:15Z-12:15Z.
  const raj = person('raj', schedule('Asia/Kathmandu', { start: '10:00', end: '18:00' }, { start: '13:00', end: '14:00' }))
  const emma = person('emma', schedule('Europe/London', { start: '09:00', end: '17:00' }, null))
  const window = { start: z('2026-06-01T00:00Z'), end: z('2026-06-02T00:00Z') }
  const result = findMeetingSlots({ organizer: 'raj', required: ['emma'], durationMinutes: 60, granularityMinutes: 30, window, limit: 10 }, [raj, emma])
  // 30-minute steps on the organizer's clock: 14:00, 14:30, ... NPT = 08:15Z, 08:45Z, ...; last start 11:15Z.
  t.same(result.suggestions.map((s) => iso(s.startMs)), [
    '2026-06-01T08:15Z',
    '2026-06-01T08:45Z',
    '2026-06-01T09:15Z',
    '2026-06-01T09:45Z',
    '2026-06-01T10:15Z',
    '2026-06-01T10:45Z',
    '2026-06-01T11:15Z',
  ])
  t.equal(result.suggestions[0]!.attendees[0]!.localStart, '2026-06-01T14:00:00.000+05:45')
})

t.test('minAttendees counts organizer, required and optional attendees', async (t) => {
  // alice alone is required; bob and carol optional; at least 2 must be able to come.
  const carolBusy = person('carol', lonSchedule, [event('c2', 'Europe/London', at(2026, 3, 10, 14), 120)]) // 14:00Z-16:00Z
  const request = { organizer: 'alice', required: [], optional: ['bob', 'carol'], durationMinutes: 60, window: day, minAttendees: 2 }
  const ok = findMeetingSlots(request, [alice, bob, carolBusy])
  t.same(ok.suggestions.map((s) => iso(s.startMs)), ['2026-03-10T14:30Z', '2026-03-10T14:45Z', '2026-03-10T15:00Z'])
  t.same(ok.suggestions[0]!.busy, ['carol'])
  const bobBusy = person('bob', lonSchedule, [event('b3', 'Europe/London', at(2026, 3, 10, 14), 120)])
  const none = findMeetingSlots(request, [alice, bobBusy, carolBusy])
  t.same(none.suggestions, [])
  t.equal(
    none.explanation,
    'no start has 2 of the 3 attendees free inside their working hours (the required ones can meet, but too few optional ones can join)',
  )
  t.ok(none.partial.length > 0, 'partial slots are offered')
  t.equal(none.partial[0]!.score.requiredConflicts, 0)
})

t.test('busy events that fill the common working time are named', async (t) => {
  // bob busy 14:00Z-16:00Z: the whole common time (14:00Z-16:00Z) is gone.
  const bobBusy = person('bob', lonSchedule, [event('b4', 'Europe/London', at(2026, 3, 10, 14), 120)])
  const result = findMeetingSlots({ organizer: 'alice', required: ['bob'], durationMinutes: 60, window: day }, [alice, bobBusy])
  t.same(result.suggestions, [])
  t.equal(
    result.explanation,
    "the required attendees' events fill their common working time (2 h between 2026-03-10T00:00:00.000Z and 2026-03-11T00:00:00.000Z); busy there: bob 2 h, alice 0.5 h",
  )
})

t.test('an all-day busy event blocks the whole local day; the grid starts at the next wall-clock step', async (t) => {
  const offsite: CalendarEvent = {
    ...event('offsite', 'Europe/London', at(2026, 3, 10), 1),
    timing: { kind: 'all-day', start: at(2026, 3, 10), days: 1 },
  }
  const bobAway = person('bob', lonSchedule, [offsite]) // 2026-03-10 00:00Z-24:00Z (GMT)
  const twoDays = { start: day.start, end: z('2026-03-12T00:00Z') }
  const result = findMeetingSlots({ organizer: 'alice', required: ['bob'], durationMinutes: 60, window: twoDays, limit: 1 }, [alice, bobAway])
  t.same(result.suggestions.map((s) => iso(s.startMs)), ['2026-03-11T14:00Z'], 'Wednesday, from the start of the common time')
  // A window opening at 14:37Z = 10:37 EDT: the first candidate is 10:45 EDT = 14:45Z.
  const late = findMeetingSlots(
    { organizer: 'alice', required: ['bob'], durationMinutes: 60, window: { start: z('2026-03-10T14:37Z'), end: day.end } },
    [alice, bob],
  )
  t.same(late.suggestions.map((s) => iso(s.startMs)), ['2026-03-10T14:45Z', '2026-03-10T15:00Z'])
})

t.test('across the New York fall-back the grid keeps stepping in real time through the repeated hour', async (t) => {
  const always: WorkSchedule = { ...nySchedule, lunch: null, weekly: { ...nySchedule.weekly, 7: [{ start: '00:00', end: '24:00' }] } }
  const ann = person('ann', always)
  const ben = person('ben', always)
  // Sunday 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z; window 04:00Z-09:00Z, hourly grid.
  const window = { start: z('2026-11-01T04:00Z'), end: z('2026-11-01T09:00Z') }
  const result = findMeetingSlots({ organizer: 'ann', required: ['ben'], durationMinutes: 60, granularityMinutes: 60, window }, [ann, ben])
  t.same(
    result.suggestions.map((s) => s.attendees[0]!.localStart),
    [
      '2026-11-01T00:00:00.000-04:00',
      '2026-11-01T01:00:00.000-04:00',
      '2026-11-01T01:00:00.000-05:00', // the same wall time again, one hour later
      '2026-11-01T02:00:00.000-05:00',
      '2026-11-01T03:00:00.000-05:00',
    ],
  )
})

t.test('bad requests are refused with the field named', async (t) => {
  const cals = [alice, bob]
  const base = { organizer: 'alice', required: ['bob'], durationMinutes: 60, window: day }
  t.throws(() => findMeetingSlots({ ...base, required: ['zed'] }, cals), { name: 'CalendarInputError', field: 'required[0]', message: /"zed"/ })
  t.throws(() => findMeetingSlots({ ...base, optional: ['bob'] }, cals), { name: 'CalendarInputError', field: 'optional[0]', message: /listed twice/ })
  t.throws(() => findMeetingSlots({ ...base, durationMinutes: 0 }, cals), { name: 'CalendarInputError', field: 'durationMinutes' })
  t.throws(() => findMeetingSlots({ ...base, minAttendees: 3 }, cals), { name: 'CalendarInputError', field: 'minAttendees', message: /from 1 to 2/ })
  t.throws(() => findMeetingSlots({ ...base, window: { start: day.end, end: day.start } }, cals), { name: 'CalendarInputError', field: 'window' })
  t.throws(() => findMeetingSlots({ ...base, granularityMinutes: 2.5 }, cals), { name: 'CalendarInputError', field: 'granularityMinutes' })
  t.throws(() => findMeetingSlots(base, [alice, bob, bob]), { name: 'CalendarInputError', field: 'calendars[2]', message: /second calendar for "bob"/ })
  t.throws(() => findMeetingSlots({ ...base, recurrence: { lines: ['RRULE:FREQ=WEEKLY'], horizonEndMs: day.start } }, cals), {
    name: 'CalendarInputError',
    field: 'recurrence.horizonEndMs',
  })
})
