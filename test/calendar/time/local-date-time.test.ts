import t from 'tap'
import { CalendarInputError } from '../../../src/calendar/calendar-input-error.js'
import {
  compareLocalDateTime,
  formatLocalDateTime,
  fromFloatingMs,
  parseLocalDateTime,
  toFloatingMs,
} from '../../../src/calendar/time/local-date-time.js'

t.test('accepted forms', async (t) => {
  t.same(parseLocalDateTime('2026-01-21', 'f'), { year: 2026, month: 1, day: 21, hour: 0, minute: 0, second: 0 })
  t.same(parseLocalDateTime('2026-01-21T10:05', 'f'), { year: 2026, month: 1, day: 21, hour: 10, minute: 5, second: 0 })
  t.same(parseLocalDateTime('2028-02-29T23:59:59', 'f'), { year: 2028, month: 2, day: 29, hour: 23, minute: 59, second: 59 })
  t.equal(formatLocalDateTime(parseLocalDateTime('2026-01-21T10:05', 'f')), '2026-01-21T10:05:00')
})

t.test('rejected forms name the field and say what is wrong', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['2026-02-30', /February 2026 has 28 days/],
    ['2100-02-29', /February 2100 has 28 days/],
    ['2026-04-31T09:00', /April 2026 has 30 days/],
    ['2026-13-01', /month outside 01\.\.12/],
    ['2026-01-01T24:00', /hour outside 00\.\.23/],
    ['2026-01-01T10:60', /minute outside/],
    ['2026-01-01T10:00:60', /second outside/],
    ['2026-1-1', /expected YYYY-MM-DD/],
    ['2026-01-01T10:00Z', /expected YYYY-MM-DD/],
    ['', /expected YYYY-MM-DD/],
  ]
  for (const [text, why] of cases) {
    t.throws(() => parseLocalDateTime(text, '--dtstart'), CalendarInputError, text)
    try {
      parseLocalDateTime(text, '--dtstart')
    } catch (err) {
      t.match((err as Error).message, /^--dtstart: "/, text)
      t.match((err as Error).message, why, text)
    }
  }
})

t.test('floating encoding orders like wall clocks and round-trips', async (t) => {
  const a = parseLocalDateTime('0099-12-31T23:00', 'f')
  t.same(fromFloatingMs(toFloatingMs(a)), a, 'two-digit years are not shifted by 1900')
  t.ok(compareLocalDateTime(parseLocalDateTime('2026-03-08T01:59', 'f'), parseLocalDateTime('2026-03-08T03:00', 'f')) < 0)
  t.equal(toFloatingMs(parseLocalDateTime('2026-01-21T10:00', 'f')), Date.parse('2026-01-21T10:00:00Z'))
})
