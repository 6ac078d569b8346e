import t from 'tap'
import { CalendarInputError } from '../../../src/calendar/calendar-input-error.js'
import {
  expandOccurrences,
  parseRecurrence,
  type OccurrenceException,
} from '../../../src/calendar/recurrence/index.js'
import { formatLocalDateTime, parseLocalDateTime } from '../../../src/calendar/time/local-date-time.js'

// Expected instants are worked out by hand; the comments give the reasoning.
const at = (text: string) => parseLocalDateTime(text, 'test')
const series = (dtstart: string, zone: string, lines: string[], exceptions: OccurrenceException[] = []) =>
  parseRecurrence({ dtstart: at(dtstart), zone, lines, exceptions })
const expand = (rec: ReturnType<typeof series>, from: string, to: string) =>
  expandOccurrences(rec, Date.parse(from), Date.parse(to))
const starts = (rec: ReturnType<typeof series>, from: string, to: string): string[] =>
  expand(rec, from, to).map((o) => new Date(o.startMs).toISOString())
const NY = 'America/New_York'

t.test('a weekly 09:00 meeting stays 09:00 local across DST; its UTC instant moves', async (t) => {
  // 2026-03-02 is a Monday; New York springs forward on Sunday 2026-03-08.
  const ny = series('2026-03-02T09:00', NY, ['RRULE:FREQ=WEEKLY;COUNT=3'])
  const occurrences = expand(ny, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')
  t.same(occurrences.map((o) => new Date(o.startMs).toISOString()), [
    '2026-03-02T14:00:00.000Z',
    '2026-03-09T13:00:00.000Z',
    '2026-03-16T13:00:00.000Z',
  ])
  t.same(occurrences.map((o) => formatLocalDateTime(o.local)), ['2026-03-02T09:00:00', '2026-03-09T09:00:00', '2026-03-16T09:00:00'])
  // London falls back on Sunday 2026-10-25: 09:00 BST is 08:00Z, 09:00 GMT is 09:00Z.
  const london = series('2026-10-19T09:00', 'Europe/London', ['RRULE:FREQ=WEEKLY;COUNT=2'])
  t.same(starts(london, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), ['2026-10-19T08:00:00.000Z', '2026-10-26T09:00:00.000Z'])
})

t.test('gap and overlap policy applies to occurrences', async (t) => {
  // 02:30 does not exist on 2026-03-08 in New York: the occurrence moves to 03:30 EDT (07:30Z).
  const gap = expand(series('2026-03-07T02:30', NY, ['RRULE:FREQ=DAILY;COUNT=3']), '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')
  t.same(gap.map((o) => new Date(o.startMs).toISOString()), [
    '2026-03-07T07:30:00.000Z',
    '2026-03-08T07:30:00.000Z',
    '2026-03-09T06:30:00.000Z',
  ])
  t.equal(formatLocalDateTime(gap[1]!.local), '2026-03-08T03:30:00', 'shown at the wall time it really happens')
  t.equal(formatLocalDateTime(gap[1]!.originalStart), '2026-03-08T02:30:00', 'identified by its nominal time')
  // 01:30 happens twice on 2026-11-01: the first (EDT, 05:30Z) is taken.
  t.same(starts(series('2026-10-31T01:30', NY, ['RRULE:FREQ=DAILY;COUNT=3']), '2026-10-01T00:00:00Z', '2026-12-01T00:00:00Z'), [
    '2026-10-31T05:30:00.000Z',
    '2026-11-01T05:30:00.000Z',
    '2026-11-02T06:30:00.000Z',
  ])
  // 02:30 (moved to 03:30) and 03:30 land on the same instant: one occurrence, not two.
  const twice = series('2026-03-08T02:30', NY, ['RRULE:FREQ=DAILY;BYHOUR=2,3;BYMINUTE=30;COUNT=2'])
  t.same(starts(twice, '2026-03-08T05:00:00Z', '2026-03-09T05:00:00Z'), ['2026-03-08T07:30:00.000Z'])
})

t.test('UNTIL: UTC is an instant, local and date forms are wall-clock', async (t) => {
  // Daily 09:00 from Mon 2026-03-02; from Mar 8 that is 13:00Z.
  const count = (until: string) =>
    expand(series('2026-03-02T09:00', NY, [`RRULE:FREQ=DAILY;UNTIL=${until}`]), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z').length
  t.equal(count('20260309T130000Z'), 8, 'Mar 9 13:00Z is included (UNTIL is inclusive)')
  t.equal(count('20260309T125959Z'), 7)
  // Comparing wall-clock 09:00 with 10:00 would wrongly keep Mar 9; as instants 13:00Z > 10:00Z.
  t.equal(count('20260309T100000Z'), 7, 'UTC UNTIL compared as an instant')
  t.equal(count('20260309T090000'), 8, 'local UNTIL')
  t.equal(count('20260309'), 8, 'date UNTIL includes that day')
  t.equal(count('20260308'), 7)
})

t.test('RDATE, EXDATE (local, UTC, VALUE=DATE) and EXRULE', async (t) => {
  // Mondays 09:00 from 2026-03-02: 2, 9, 16, 23. Mar 9 removed by a local EXDATE, Mar 16 by a
  // date EXDATE; added: Wed Mar 11 15:00 local (19:00Z) and Mar 18 12:00Z.
  const rec = series('2026-03-02T09:00', NY, [
    'RRULE:FREQ=WEEKLY',
    'EXDATE:20260309T090000',
    'RDATE:20260311T150000,20260318T120000Z',
    'EXDATE;VALUE=DATE:20260316',
  ])
  const occurrences = expand(rec, '2026-03-01T00:00:00Z', '2026-03-24T00:00:00Z')
  t.same(occurrences.map((o) => new Date(o.startMs).toISOString()), [
    '2026-03-02T14:00:00.000Z',
    '2026-03-11T19:00:00.000Z',
    '2026-03-18T12:00:00.000Z',
    '2026-03-23T13:00:00.000Z',
  ])
  t.equal(formatLocalDateTime(occurrences[2]!.local), '2026-03-18T08:00:00', 'UTC RDATE shown in the series zone')
  // TZID values: 14:00 in London on 2026-03-12 (GMT) is 14:00Z.
  const zoned = series('2026-03-02T09:00', NY, ['RDATE;TZID=Europe/London:20260312T140000', 'EXDATE:20260302T140000Z'])
  t.same(starts(zoned, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z'), ['2026-03-12T14:00:00.000Z'], 'UTC EXDATE removes DTSTART')
  // Daily from Mon 2026-03-02, weekends excluded by EXRULE.
  const weekdays = series('2026-03-02T09:00', NY, ['RRULE:FREQ=DAILY', 'EXRULE:FREQ=WEEKLY;BYDAY=SA,SU'])
  t.same(starts(weekdays, '2026-03-02T00:00:00Z', '2026-03-10T00:00:00Z'), [
    '2026-03-02T14:00:00.000Z',
    '2026-03-03T14:00:00.000Z',
    '2026-03-04T14:00:00.000Z',
    '2026-03-05T14:00:00.000Z',
    '2026-03-06T14:00:00.000Z',
    '2026-03-09T13:00:00.000Z',
  ])
})

t.test('per-occurrence exceptions: cancelled and moved', async (t) => {
  const rec = series('2026-03-02T09:00', NY, ['RRULE:FREQ=WEEKLY'], [
    { kind: 'cancelled', originalStart: at('2026-03-09T09:00') },
    { kind: 'moved', originalStart: at('2026-03-16T09:00'), start: at('2026-03-17T11:00'), durationMinutes: 30 },
  ])
  const occurrences = expand(rec, '2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z')
  t.same(occurrences.map((o) => new Date(o.startMs).toISOString()), [
    '2026-03-02T14:00:00.000Z',
    '2026-03-17T15:00:00.000Z',
    '2026-03-23T13:00:00.000Z',
    '2026-03-30T13:00:00.000Z',
  ])
  t.equal(occurrences[1]!.durationMinutes, 30)
  t.equal(formatLocalDateTime(occurrences[1]!.originalStart), '2026-03-16T09:00:00')
  t.equal(occurrences[0]!.durationMinutes, null)
  // A moved occurrence appears in a window that holds its new start, whatever its original.
  const moved = series('2026-03-02T09:00', NY, ['RRULE:FREQ=WEEKLY'], [
    { kind: 'moved', originalStart: at('2026-03-30T09:00'), start: at('2026-04-21T09:00') },
  ])
  t.same(starts(moved, '2026-04-21T00:00:00Z', '2026-04-22T00:00:00Z'), ['2026-04-21T13:00:00.000Z'])
  t.same(starts(moved, '2026-03-30T00:00:00Z', '2026-03-31T00:00:00Z'), [], 'gone from its original day')
  t.throws(
    () => series('2026-03-02T09:00', NY, ['RRULE:FREQ=WEEKLY'], [{ kind: 'cancelled', originalStart: at('2026-03-10T09:00') }]),
    { name: 'CalendarInputError', field: 'exceptions[0]', message: /2026-03-10T09:00:00 is not an occurrence of the series/ },
  )
  t.throws(
    () =>
      series('2026-03-02T09:00', NY, ['RRULE:FREQ=WEEKLY'], [
        { kind: 'cancelled', originalStart: at('2026-03-09T09:00') },
        { kind: 'cancelled', originalStart: at('2026-03-09T09:00') },
      ]),
    { field: 'exceptions[1]', message: /a second exception/ },
  )
  t.throws(
    () =>
      series('2026-03-02T09:00', NY, ['RRULE:FREQ=WEEKLY'], [
        { kind: 'moved', originalStart: at('2026-03-09T09:00'), start: at('2026-03-09T10:00'), durationMinutes: 0 },
      ]),
    { field: 'exceptions[0].durationMinutes', message: /not a whole number of minutes/ },
  )
})

t.test('BYSETPOS, WKST, BYHOUR, BYWEEKNO', async (t) => {
  // Last weekday of the month: Jan 30 (Jan 31 is a Saturday), Feb 27 (Feb 28 is a Saturday),
  // Mar 31 (a Tuesday). 17:00 EST = 22:00Z, 17:00 EDT = 21:00Z.
  const lastWeekday = series('2026-01-30T17:00', NY, ['RRULE:FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1'])
  t.same(starts(lastWeekday, '2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z'), [
    '2026-01-30T22:00:00.000Z',
    '2026-02-27T22:00:00.000Z',
    '2026-03-31T21:00:00.000Z',
  ])
  // RFC 5545's own WKST example (3.8.5.3): the week start changes which days pair up.
  const wkst = (day: string) =>
    starts(series('1997-08-05T09:00', 'UTC', [`RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=${day}`]), '1997-01-01T00:00:00Z', '1998-01-01T00:00:00Z').map((s) => s.slice(0, 10))
  t.same(wkst('MO'), ['1997-08-05', '1997-08-10', '1997-08-19', '1997-08-24'])
  t.same(wkst('SU'), ['1997-08-05', '1997-08-17', '1997-08-19', '1997-08-31'])
  // Twice a day in Kathmandu (+05:45): 09:00 = 03:15Z, 14:00 = 08:15Z.
  t.same(starts(series('2026-06-01T09:00', 'Asia/Kathmandu', ['RRULE:FREQ=DAILY;BYHOUR=9,14;COUNT=4']), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), [
    '2026-06-01T03:15:00.000Z',
    '2026-06-01T08:15:00.000Z',
    '2026-06-02T03:15:00.000Z',
    '2026-06-02T08:15:00.000Z',
  ])
  // RFC 5545 example: Monday of ISO week 20.
  t.same(
    starts(series('1997-05-12T09:00', 'UTC', ['RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO']), '1997-01-01T00:00:00Z', '2000-01-01T00:00:00Z').map((s) => s.slice(0, 10)),
    ['1997-05-12', '1998-05-11', '1999-05-17'],
  )
})

t.test('BYSETPOS beyond what a period holds selects nothing, and is settled without a long scan', async (t) => {
  const neverProduces = (line: string) =>
    t.throws(() => series('2020-01-01T09:00', 'UTC', [line]), /never produces an occurrence/, line)
  // A DAILY period holds one candidate (one time of day): position 148 can never pick anything.
  // Found by fuzzing: settling it by walking days to year 9999 took 5-7 s of CPU.
  neverProduces('RRULE:FREQ=DAILY;BYMONTH=9;BYSETPOS=148')
  // Two weekdays a week: a third position does not exist.
  neverProduces('RRULE:FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=3')
  // One candidate a year (January 1st, pinned from DTSTART); RFC 5545 selects nothing for -4,
  // where rrule itself would wrongly take the year's only candidate.
  neverProduces('RRULE:FREQ=YEARLY;BYMONTH=1;BYSETPOS=-4')
  // With one candidate per period, +1 and -1 are that candidate: every September day at 09:00
  // (after DTSTART, which is always the first occurrence).
  const september = starts(series('2026-01-01T09:00', 'UTC', ['RRULE:FREQ=DAILY;BYMONTH=9;BYSETPOS=-1']), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z')
  t.equal(september.length, 31)
  t.same(september.slice(0, 3), ['2026-01-01T09:00:00.000Z', '2026-09-01T09:00:00.000Z', '2026-09-02T09:00:00.000Z'])
  // Positions within reach are kept: the second of two weekly days.
  t.same(
    starts(series('2026-03-02T09:00', 'UTC', ['RRULE:FREQ=WEEKLY;BYDAY=MO,TH;BYSETPOS=2;COUNT=2']), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'),
    ['2026-03-02T09:00:00.000Z', '2026-03-05T09:00:00.000Z', '2026-03-12T09:00:00.000Z'],
  )
})

t.test('windows far from DTSTART keep the rule phase', async (t) => {
  // Every 3rd day from 2026-01-01: Jan 31 is day 30, so Feb 3 and Feb 6 fall in the window.
  t.same(starts(series('2026-01-01T09:00', NY, ['RRULE:FREQ=DAILY;INTERVAL=3']), '2026-02-01T00:00:00Z', '2026-02-08T00:00:00Z'), [
    '2026-02-03T14:00:00.000Z',
    '2026-02-06T14:00:00.000Z',
  ])
  // Every other Monday from 2026-01-05: 2027-01-04 is 364 days = 26 weeks later, so it is on.
  t.same(starts(series('2026-01-05T09:00', NY, ['RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO']), '2027-01-01T00:00:00Z', '2027-01-20T00:00:00Z'), [
    '2027-01-04T14:00:00.000Z',
    '2027-01-18T14:00:00.000Z',
  ])
  // Every 5 months on the 31st from Jan 2026: Jun, Nov, Apr, Sep, Feb have no 31st; Jul and
  // Dec 2028 do.
  t.same(starts(series('2026-01-31T09:00', NY, ['RRULE:FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=31']), '2027-01-01T00:00:00Z', '2029-01-01T00:00:00Z'), [
    '2028-07-31T13:00:00.000Z',
    '2028-12-31T14:00:00.000Z',
  ])
  // Daily, nine years on: US DST in June 2035 still gives 13:00Z.
  t.same(starts(series('2026-01-01T09:00', NY, ['RRULE:FREQ=DAILY']), '2035-06-01T00:00:00Z', '2035-06-03T00:00:00Z'), [
    '2035-06-01T13:00:00.000Z',
    '2035-06-02T13:00:00.000Z',
  ])
  t.same(starts(series('2026-01-01T09:00', NY, ['RRULE:FREQ=DAILY;COUNT=5']), '2035-06-01T00:00:00Z', '2035-06-03T00:00:00Z'), [])
})

t.test('DTSTART is always the first occurrence (RFC 5545), COUNT counts rule matches', async (t) => {
  // 2026-01-01 is a Thursday; the rule only gives Mondays (Jan 5, 12).
  t.same(
    starts(series('2026-01-01T10:00', NY, ['RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=2']), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z').map((s) => s.slice(0, 10)),
    ['2026-01-01', '2026-01-05', '2026-01-12'],
  )
  t.same(starts(series('2026-01-01T10:00', NY, []), '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), ['2026-01-01T15:00:00.000Z'], 'no lines: one occurrence')
  // Two rules giving the same times give each occurrence once.
  t.equal(expand(series('2026-01-05T10:00', NY, ['RRULE:FREQ=WEEKLY;BYDAY=MO', 'RRULE:FREQ=DAILY;BYDAY=MO']), '2026-01-01T00:00:00Z', '2026-02-01T00:00:00Z').length, 4)
})

t.test('window bounds and size limit', async (t) => {
  const daily = series('2026-01-01T09:00', NY, ['RRULE:FREQ=DAILY'])
  t.equal(expand(daily, '2026-01-01T14:00:00Z', '2026-01-02T14:00:00Z').length, 1, '[from, to): from included, to excluded')
  t.throws(() => expandOccurrences(daily, Date.parse('2026-01-01T00:00:00Z'), Date.parse('2036-01-01T00:00:00Z'), 100), {
    name: 'CalendarInputError',
    field: 'window',
    message: /more than 100 occurrences/,
  })
  t.throws(() => expandOccurrences(daily, 10, 5), CalendarInputError)
  t.throws(() => expandOccurrences(daily, Number.NaN, 5), CalendarInputError)
})
