import t from 'tap'
import { CalendarInputError } from '../../../src/calendar/calendar-input-error.js'
import { parseRecurrence } from '../../../src/calendar/recurrence/index.js'

const parse = (lines: string[]) =>
  parseRecurrence({ dtstart: { year: 2026, month: 1, day: 21, hour: 10, minute: 0, second: 0 }, zone: 'America/New_York', lines })

// Each bad line must produce a CalendarInputError that names the line and the offending part.
const cases: Array<[string, string]> = [
  ['RRULE:FREQ=MONTHLY;BYDAY=3XX', 'lines[0]: RRULE: unknown BYDAY value "3XX"'],
  ['RRULE:FREQ=MONTHLY;BYDAY=6WE', 'BYDAY value "6WE": a month has at most 5 of each weekday'],
  ['RRULE:FREQ=WEEKLY;BYDAY=2MO', 'BYDAY value "2MO" has an ordinal, which only MONTHLY and YEARLY rules allow'],
  ['RRULE:FREQ=YEARLY;BYDAY=-54FR', 'ordinal outside ±1..53'],
  ['RRULE:FREQ=YEARLY;BYWEEKNO=20;BYDAY=1MO', 'BYWEEKNO rules do not allow'],
  ['RRULE:FREQ=MONTHLY;BYDAY=+WE', 'has a sign but no number'],
  ['RRULE:FREQ=DAILY;COUNT=3;UNTIL=20260301T000000Z', 'COUNT and UNTIL must not both be given'],
  ['RRULE:FREQ=SOMETIMES', 'unknown FREQ value "SOMETIMES"'],
  ['RRULE:FREQ=HOURLY', 'FREQ=HOURLY is not supported'],
  ['RRULE:BYDAY=MO', 'FREQ is required'],
  ['RRULE:FREQ=DAILY;FOO=1', 'unknown part "FOO"'],
  ['RRULE:FREQ=DAILY;FREQ=WEEKLY', 'FREQ is given twice'],
  ['RRULE:FREQ=DAILY;INTERVAL=0', 'INTERVAL value "0" is out of range'],
  ['RRULE:FREQ=DAILY;INTERVAL=two', 'INTERVAL value "TWO" is not a positive integer'],
  ['RRULE:FREQ=DAILY;COUNT=-1', 'COUNT value "-1" is not a positive integer'],
  ['RRULE:FREQ=MONTHLY;BYMONTHDAY=32', 'BYMONTHDAY value "32" is out of range'],
  ['RRULE:FREQ=MONTHLY;BYMONTHDAY=0', 'BYMONTHDAY value "0" is out of range'],
  ['RRULE:FREQ=YEARLY;BYMONTH=13', 'BYMONTH value "13" is out of range'],
  ['RRULE:FREQ=DAILY;BYHOUR=24', 'BYHOUR value "24" is out of range'],
  ['RRULE:FREQ=DAILY;BYSECOND=60', 'BYSECOND value "60" is out of range'],
  ['RRULE:FREQ=DAILY;BYMINUTE=1,,2', 'BYMINUTE value "" is not an integer'],
  ['RRULE:FREQ=WEEKLY;BYMONTHDAY=1', 'BYMONTHDAY is not allowed with FREQ=WEEKLY'],
  ['RRULE:FREQ=MONTHLY;BYYEARDAY=100', 'BYYEARDAY is not allowed with FREQ=MONTHLY'],
  ['RRULE:FREQ=MONTHLY;BYWEEKNO=1', 'BYWEEKNO is only allowed with FREQ=YEARLY'],
  ['RRULE:FREQ=DAILY;BYSETPOS=1', 'BYSETPOS needs another BYxxx part'],
  ['RRULE:FREQ=DAILY;WKST=XX', 'unknown WKST value "XX"'],
  ['RRULE:FREQ=DAILY;UNTIL=2026-03-01', 'RRULE UNTIL "2026-03-01" is not a date'],
  ['RRULE:FREQ=DAILY;UNTIL=20260230', '"20260230" is not a calendar date (February 2026 has 28 days)'],
  ['RRULE:FREQ=DAILY;', '"" is not NAME=VALUE'],
  ['RRULE:', 'empty rule'],
  ['RRULE;X=1:FREQ=DAILY', 'parameters are not allowed'],
  ['RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'the rule never produces an occurrence'],
  ['RRULE:FREQ=MONTHLY;INTERVAL=12;BYMONTH=2', 'the rule never produces an occurrence'],
  ['DTSTART:20260121T100000', 'unknown property "DTSTART"'],
  ['FREQ=DAILY', 'is not a content line'],
  ['RDATE:20260230T100000', 'is not a calendar date'],
  ['RDATE:2026-03-01T10:00', 'RDATE value "2026-03-01T10:00" is not a date'],
  ['RDATE;VALUE=PERIOD:20260301T100000Z/PT1H', 'VALUE=PERIOD is not supported'],
  ['RDATE;VALUE=DATE:20260301T100000', 'is not a date YYYYMMDD, as VALUE=DATE requires'],
  ['RDATE:20260301', 'is a date; add VALUE=DATE'],
  ['EXDATE;TZID=Mars/Base:20260301T100000', 'EXDATE: TZID: unknown time zone "Mars/Base"'],
  ['EXDATE;TZID=Europe/London:20260301T100000Z', 'is UTC, which TZID contradicts'],
  ['EXDATE;FOO=BAR:20260301T100000', 'unknown parameter "FOO=BAR"'],
  ['EXDATE:', 'EXDATE: no value'],
]

for (const [line, expected] of cases) {
  t.test(line, async (t) => {
    t.throws(() => parse(['RRULE:FREQ=DAILY', line].slice(line.startsWith('RRULE') ? 1 : 0)), CalendarInputError)
    try {
      parse([line])
      t.fail('accepted')
    } catch (err) {
      t.ok(err instanceof CalendarInputError)
      t.equal((err as CalendarInputError).field, 'lines[0]')
      t.match((err as Error).message, /^lines\[0\]: /)
      t.ok((err as Error).message.includes(expected), `"${(err as Error).message}" mentions "${expected}"`)
    }
  })
}

t.test('names given by the caller are used', async (t) => {
  t.throws(
    () =>
      parseRecurrence(
        { dtstart: { year: 2026, month: 2, day: 30, hour: 10, minute: 0, second: 0 }, zone: 'UTC', lines: [] },
        { dtstart: '--dtstart', zone: '--tz', line: (i) => `--rule #${i + 1}`, exception: (i) => `exception #${i + 1}` },
      ),
    { field: '--dtstart', message: /^--dtstart: "2026-02-30T10:00:00" is not a calendar date/ },
  )
  t.throws(
    () => parseRecurrence({ dtstart: { year: 2026, month: 1, day: 1, hour: 0, minute: 0, second: 0 }, zone: 'Mars/Base', lines: [] }),
    { field: 'zone', message: 'zone: unknown time zone "Mars/Base"' },
  )
})

t.test('lenient where RFC 5545 is: case of names and values', async (t) => {
  t.doesNotThrow(() => parse(['rrule:freq=monthly;byday=3we;bymonth=1,2']))
  t.doesNotThrow(() => parse(['RDATE;VALUE=DATE:20260301,20260302']))
})
