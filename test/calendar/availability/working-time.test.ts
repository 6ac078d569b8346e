import t from 'tap'
import {
  defaultWorkSchedule,
  mergeSchedules,
  validateWorkSchedule,
  type TimeRange,
  type WorkSchedule,
} from '../../../src/calendar/availability/work-schedule.js'
import { workingIntervals } from '../../../src/calendar/availability/working-time.js'
import { addDays, dateOfDayNumber, dayNumber, isoWeekday } from '../../../src/calendar/availability/local-date.js'

// Expected instants are written out by hand from the zones' published offsets and DST dates;
// Date.parse only turns those hand-written UTC strings into milliseconds.
const z = (iso: string): number => Date.parse(iso)
const span = (from: string, to: string): { start: number; end: number } => ({ start: z(from), end: z(to) })
const iso = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z')
const show = (schedule: WorkSchedule, from: string, to: string): string[] =>
  workingIntervals(schedule, span(from, to))
    .intervals()
    .map((i) => `${iso(i.start)}/${iso(i.end)}`)

const nineToFive: TimeRange[] = [{ start: '09:00', end: '17:00' }]
const weekdays = (ranges: readonly TimeRange[]): WorkSchedule['weekly'] => ({
  1: ranges,
  2: ranges,
  3: ranges,
  4: ranges,
  5: ranges,
  6: [],
  7: [],
})
const newYork: WorkSchedule = {
  zone: 'America/New_York',
  weekly: weekdays(nineToFive),
  lunch: { start: '12:00', end: '13:00' },
  holidays: [],
  overrides: {},
}

t.test('New York across the March 2026 DST change (Sunday 2026-03-08, 02:00 EST -> 03:00 EDT)', async (t) => {
  t.same(show(newYork, '2026-03-06T00:00Z', '2026-03-10T00:00Z'), [
    // Friday 6 March, EST = UTC-5: 09-12 and 13-17 local
    '2026-03-06T14:00Z/2026-03-06T17:00Z',
    '2026-03-06T18:00Z/2026-03-06T22:00Z',
    // weekend: nothing; Monday 9 March, EDT = UTC-4
    '2026-03-09T13:00Z/2026-03-09T16:00Z',
    '2026-03-09T17:00Z/2026-03-09T21:00Z',
  ])
})

t.test('the DST day itself: a night range loses an hour, a range in the gap moves forward', async (t) => {
  const sundayShift: WorkSchedule = {
    ...newYork,
    lunch: null,
    weekly: { ...newYork.weekly, 7: [{ start: '00:00', end: '06:00' }, { start: '09:00', end: '17:00' }] },
  }
  t.same(show(sundayShift, '2026-03-08T00:00Z', '2026-03-09T00:00Z'), [
    // 00:00 EST = 05:00Z to 06:00 EDT = 10:00Z: five hours of work, not six
    '2026-03-08T05:00Z/2026-03-08T10:00Z',
    '2026-03-08T13:00Z/2026-03-08T21:00Z',
  ])
  const inTheGap: WorkSchedule = { ...sundayShift, weekly: { ...sundayShift.weekly, 7: [{ start: '02:30', end: '04:00' }] } }
  // 02:30 does not exist that day; it moves forward by the 1 h gap to 03:30 EDT = 07:30Z; 04:00 EDT = 08:00Z
  t.same(show(inTheGap, '2026-03-08T00:00Z', '2026-03-09T00:00Z'), ['2026-03-08T07:30Z/2026-03-08T08:00Z'])
})

t.test('London on 2026-03-29 (01:00 GMT -> 02:00 BST) and 2026-10-25 (02:00 BST -> 01:00 GMT)', async (t) => {
  const london: WorkSchedule = {
    zone: 'Europe/London',
    weekly: { ...weekdays([{ start: '09:00', end: '17:30' }]), 7: [{ start: '00:00', end: '24:00' }] },
    lunch: null,
    holidays: [],
    overrides: {},
  }
  t.same(show(london, '2026-03-27T00:00Z', '2026-03-31T00:00Z'), [
    '2026-03-27T09:00Z/2026-03-27T17:30Z', // Friday, GMT = UTC
    // Sunday midnight to midnight: 00:00 GMT = 00:00Z to Monday 00:00 BST = Sunday 23:00Z (23 h)
    '2026-03-29T00:00Z/2026-03-29T23:00Z',
    '2026-03-30T08:00Z/2026-03-30T16:30Z', // Monday, BST = UTC+1
  ])
  t.same(show(london, '2026-10-24T00:00Z', '2026-10-27T00:00Z'), [
    // Sunday 00:00 BST = Saturday 23:00Z to Monday 00:00 GMT = Monday 00:00Z: a 25-hour day
    '2026-10-24T23:00Z/2026-10-26T00:00Z',
    '2026-10-26T09:00Z/2026-10-26T17:30Z', // Monday, GMT again
  ])
})

t.test('Asia/Kathmandu (+05:45, no DST) with its own lunch', async (t) => {
  const kathmandu: WorkSchedule = {
    zone: 'Asia/Kathmandu',
    weekly: weekdays([{ start: '10:00', end: '18:00' }]),
    lunch: { start: '13:00', end: '14:00' },
    holidays: [],
    overrides: {},
  }
  // Monday 2026-06-01: 10:00 = 04:15Z, 13:00 = 07:15Z, 14:00 = 08:15Z, 18:00 = 12:15Z
  t.same(show(kathmandu, '2026-06-01T00:00Z', '2026-06-02T00:00Z'), [
    '2026-06-01T04:15Z/2026-06-01T07:15Z',
    '2026-06-01T08:15Z/2026-06-01T12:15Z',
  ])
})

t.test('holidays, per-date overrides and clipping to the window', async (t) => {
  const withDaysOff: WorkSchedule = {
    ...newYork,
    holidays: ['2026-03-06'],
    overrides: { '2026-03-09': [{ start: '09:00', end: '12:00' }], '2026-03-07': [{ start: '10:00', end: '11:00' }] },
  }
  t.same(show(withDaysOff, '2026-03-06T00:00Z', '2026-03-10T00:00Z'), [
    '2026-03-07T15:00Z/2026-03-07T16:00Z', // a Saturday made a working hour (EST)
    '2026-03-09T13:00Z/2026-03-09T16:00Z', // half day, EDT; lunch lies outside it
  ])
  // The window cuts Friday's morning block in half.
  t.same(show(newYork, '2026-03-06T15:30Z', '2026-03-06T17:30Z'), ['2026-03-06T15:30Z/2026-03-06T17:00Z'])
  t.same(show(newYork, '2026-03-06T15:30Z', '2026-03-06T15:30Z'), [])
})

t.test('default schedule is the seed tutorial business rules: 08:00-17:00 on weekdays', async (t) => {
  const tokyo = defaultWorkSchedule('Asia/Tokyo')
  // Friday 2026-06-05 and Monday 2026-06-08, JST = UTC+9: 08:00 = 23:00Z the day before, 17:00 = 08:00Z
  t.same(show(tokyo, '2026-06-05T00:00Z', '2026-06-09T00:00Z'), [
    '2026-06-05T00:00Z/2026-06-05T08:00Z', // Friday's block, clipped at the window start (began 23:00Z)
    '2026-06-07T23:00Z/2026-06-08T08:00Z',
    '2026-06-08T23:00Z/2026-06-09T00:00Z', // Tuesday's 08:00 JST, clipped at the window end
  ])
})

t.test('mergeSchedules: the person overrides what they set and inherits the rest', async (t) => {
  const office: WorkSchedule = { ...newYork, holidays: ['2026-12-25'] }
  const merged = mergeSchedules(office, {
    lunch: { start: '13:00', end: '13:30' },
    weekly: { 5: [{ start: '09:00', end: '13:00' }] },
    holidays: ['2026-03-09'],
  })
  t.equal(merged.zone, 'America/New_York')
  t.same(merged.holidays, ['2026-03-09', '2026-12-25'])
  t.same(merged.weekly[1], nineToFive)
  t.same(show(merged, '2026-03-06T00:00Z', '2026-03-10T00:00Z'), [
    // Friday 09:00-13:00 EST; lunch 13:00-13:30 does not cut into it
    '2026-03-06T14:00Z/2026-03-06T18:00Z',
  ])
  const noLunchInLondon = mergeSchedules(office, { zone: 'Europe/London', lunch: null })
  t.same(show(noLunchInLondon, '2026-03-09T00:00Z', '2026-03-10T00:00Z'), ['2026-03-09T09:00Z/2026-03-09T17:00Z'])
})

t.test('bad schedules are refused with the field named', async (t) => {
  const bad = (patch: Partial<WorkSchedule>, field: string, message: RegExp): void => {
    t.throws(() => validateWorkSchedule({ ...newYork, ...patch }, 'office.nyc'), { name: 'CalendarInputError', field, message }, field)
  }
  bad({ zone: 'Mars/Base' }, 'office.nyc.zone', /unknown time zone "Mars\/Base"/)
  bad({ weekly: { ...newYork.weekly, 2: [{ start: '9:00', end: '17:00' }] } }, 'office.nyc.weekly.2[0].start', /"9:00" is not a time of day/)
  bad({ weekly: { ...newYork.weekly, 3: [{ start: '17:00', end: '09:00' }] } }, 'office.nyc.weekly.3[0]', /end 09:00 is not after start 17:00/)
  bad({ weekly: { ...newYork.weekly, 3: [{ start: '09:00', end: '24:30' }] } }, 'office.nyc.weekly.3[0].end', /not a time of day/)
  bad(
    { weekly: { ...newYork.weekly, 4: [{ start: '09:00', end: '12:00' }, { start: '11:00', end: '17:00' }] } },
    'office.nyc.weekly.4',
    /ranges 0 and 1 overlap/,
  )
  bad({ lunch: { start: '18:00', end: '19:00' } }, 'office.nyc.lunch', /inside the working hours of no weekday/)
  bad({ holidays: ['2026-02-30'] }, 'office.nyc.holidays[0]', /not a calendar date/)
  bad({ holidays: ['26-12-25'] }, 'office.nyc.holidays[0]', /not a date YYYY-MM-DD/)
  bad({ overrides: { '2026-03-09': [{ start: '12:00', end: '12:00' }] } }, 'office.nyc.overrides.2026-03-09[0]', /not after start/)
})

t.test('integer date arithmetic agrees with the JavaScript calendar for every day of 1600-2400', async (t) => {
  let mismatches = 0
  for (let n = dayNumber({ year: 1600, month: 1, day: 1 }); n < dayNumber({ year: 2400, month: 1, day: 1 }); n++) {
    const d = new Date(n * 86_400_000)
    const date = dateOfDayNumber(n)
    const same = date.year === d.getUTCFullYear() && date.month === d.getUTCMonth() + 1 && date.day === d.getUTCDate()
    if (!same || dayNumber(date) !== n || isoWeekday(date) !== (d.getUTCDay() || 7)) mismatches++
  }
  t.equal(mismatches, 0)
  t.equal(dayNumber({ year: 1970, month: 1, day: 1 }), 0)
  t.same(addDays({ year: 2028, month: 2, day: 28 }, 1), { year: 2028, month: 2, day: 29 })
})
