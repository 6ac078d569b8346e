import fc from 'fast-check'
import t from 'tap'
import { CalendarInputError } from '../../../src/calendar/calendar-input-error.js'
import { expandOccurrences, parseRecurrence } from '../../../src/calendar/recurrence/index.js'
import { parseLocalDateTime } from '../../../src/calendar/time/local-date-time.js'
import { parseInstantOrLocal, requireZone } from '../../../src/calendar/time/time-zone.js'

// Random and near-valid inputs: parsing and expanding either works or fails with a
// CalendarInputError; nothing else escapes, and nothing runs away.
const token = fc.constantFrom(
  'RRULE', 'EXRULE', 'RDATE', 'EXDATE', 'rrule', 'X-FOO', ':', ';', '=', ',', '"', 'FREQ', 'DAILY', 'WEEKLY',
  'MONTHLY', 'YEARLY', 'HOURLY', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS',
  'BYYEARDAY', 'BYWEEKNO', 'BYHOUR', 'WKST', 'VALUE', 'DATE', 'TZID', 'Europe/London', 'MO', 'WE', 'FR', '3WE',
  '-2FR', '+1SU', '53MO', '0', '1', '2', '12', '31', '-1', '366', '99999999', '20260301', '20260301T100000',
  '20260301T100000Z', '20260230', 'T', 'Z', ' ', '',
)
const nearValidLine = fc.array(token, { minLength: 1, maxLength: 14 }).map((parts) => parts.join(''))
const structuredLine = fc
  .tuple(
    fc.constantFrom('RRULE:', 'EXRULE:', 'RDATE:', 'EXDATE:', 'RDATE;VALUE=DATE:', 'EXDATE;TZID=Asia/Tehran:'),
    fc.array(fc.tuple(token, fc.constantFrom('=', ';', ','), token), { maxLength: 5 }),
  )
  .map(([head, parts]) => head + parts.map((p) => p.join('')).join(';'))
const line = fc.oneof(nearValidLine, structuredLine, fc.string({ maxLength: 40 }))

t.test('rule lines never crash the parser or the expander', async (t) => {
  let accepted = 0
  fc.assert(
    fc.property(fc.array(line, { maxLength: 3 }), (lines) => {
      try {
        const rec = parseRecurrence({
          dtstart: { year: 2026, month: 1, day: 21, hour: 10, minute: 0, second: 0 },
          zone: 'America/New_York',
          lines,
        })
        expandOccurrences(rec, Date.parse('2026-01-01T00:00:00Z'), Date.parse('2027-01-01T00:00:00Z'))
        accepted++
        return true
      } catch (err) {
        return err instanceof CalendarInputError && err.message.startsWith(`${err.field}: `)
      }
    }),
    { numRuns: 600, seed: 1234 },
  )
  t.ok(accepted > 0, `${accepted} of 600 accepted`)
})

t.test('date-time and zone inputs of dms recur expand never crash', async (t) => {
  const dateish = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc
      .tuple(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 13 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 0, max: 61 }),
        fc.constantFrom('', 'Z', '+05:45', '-24:00', '.5Z', ':07', ':60Z'),
      )
      .map(([y, mo, d, h, mi, tail]) => {
        const p = (n: number, w = 2) => String(n).padStart(w, '0')
        return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}${tail}`
      }),
  )
  const zone = fc.oneof(fc.constantFrom('America/New_York', 'Asia/Kathmandu', 'Mars/Base', 'utc', '', 'Etc/GMT+5'), fc.string({ maxLength: 12 }))
  fc.assert(
    fc.property(dateish, zone, (text, z) => {
      try {
        const ms = parseInstantOrLocal(text, requireZone(z, '--tz'), '--from')
        return Number.isFinite(ms)
      } catch (err) {
        return err instanceof CalendarInputError && err.message.startsWith(`${err.field}: `)
      }
    }),
    { numRuns: 2000, seed: 99 },
  )
  fc.assert(
    fc.property(dateish, (text) => {
      try {
        parseLocalDateTime(text, '--dtstart')
        return true
      } catch (err) {
        return err instanceof CalendarInputError && err.field === '--dtstart'
      }
    }),
    { numRuns: 2000, seed: 100 },
  )
  t.pass('4000 inputs')
})
