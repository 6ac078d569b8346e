/**
 * Fuzzing what `dms recur expand` parses: rule lines built from real RFC 5545 parts and from noise,
 * zones, local times and windows. Every input must end in occurrences (ascending, inside the
 * window, at most the cap) or a CalendarInputError that names its input: never another exception,
 * never a hang. DMS_FUZZ_RUNS sets the number of runs (`npm run fuzz` runs many more).
 */
import t from 'tap'
import fc from 'fast-check'
import { CalendarInputError } from '../../src/calendar/calendar-input-error.js'
import { expandOccurrences, parseRecurrence } from '../../src/calendar/recurrence/index.js'
import { parseLocalDateTime } from '../../src/calendar/time/local-date-time.js'
import { parseInstantOrLocal, requireZone } from '../../src/calendar/time/time-zone.js'

const RUNS = Number(process.env.DMS_FUZZ_RUNS ?? 300) * 4
const CAP = 5000

const part = fc.oneof(
  fc.constantFrom('FREQ=DAILY', 'FREQ=WEEKLY', 'FREQ=MONTHLY', 'FREQ=YEARLY', 'FREQ=HOURLY', 'FREQ=MINUTELY', 'FREQ=SECONDLY', 'FREQ=BOGUS'),
  fc.integer({ min: -5, max: 1000 }).map((n) => `INTERVAL=${n}`),
  fc.integer({ min: -5, max: 100_000 }).map((n) => `COUNT=${n}`),
  fc.array(fc.tuple(fc.integer({ min: -60, max: 60 }), fc.constantFrom('MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU', 'XX')), { maxLength: 7 }).map((days) => `BYDAY=${days.map(([n, d]) => `${n === 0 ? '' : n}${d}`).join(',')}`),
  fc.array(fc.integer({ min: -40, max: 40 }), { maxLength: 5 }).map((d) => `BYMONTHDAY=${d.join(',')}`),
  fc.array(fc.integer({ min: -2, max: 14 }), { maxLength: 5 }).map((d) => `BYMONTH=${d.join(',')}`),
  fc.array(fc.integer({ min: -400, max: 400 }), { maxLength: 4 }).map((d) => `BYSETPOS=${d.join(',')}`),
  fc.array(fc.integer({ min: -400, max: 400 }), { maxLength: 4 }).map((d) => `BYYEARDAY=${d.join(',')}`),
  fc.array(fc.integer({ min: -60, max: 60 }), { maxLength: 4 }).map((d) => `BYWEEKNO=${d.join(',')}`),
  fc.array(fc.integer({ min: -1, max: 61 }), { maxLength: 4 }).map((d) => `BYHOUR=${d.join(',')}`),
  fc.constantFrom('UNTIL=20261231T235959Z', 'UNTIL=20260101', 'UNTIL=garbage', 'WKST=SU', 'WKST=ZZ'),
  fc.string({ maxLength: 30 }),
)
const ruleLine = fc.oneof(
  { arbitrary: fc.tuple(fc.constantFrom('RRULE:FREQ=DAILY', 'RRULE:FREQ=WEEKLY', 'RRULE:FREQ=MONTHLY', 'RRULE:FREQ=YEARLY'), fc.array(part, { maxLength: 3 })).map(([head, parts]) => [head, ...parts].join(';')), weight: 6 },
  fc.tuple(fc.constantFrom('RRULE:', 'EXRULE:', 'rrule:', ''), fc.array(part, { minLength: 1, maxLength: 6 })).map(([name, parts]) => `${name}${parts.join(';')}`),
  fc.tuple(fc.constantFrom('RDATE:', 'EXDATE:', 'RDATE;TZID=Europe/Paris:', 'RDATE;VALUE=DATE:', 'EXDATE;TZID=Nowhere/Else:'), fc.array(fc.constantFrom('20260315T100000', '20260315T100000Z', '20260230T250000', '2026', 'x'), { minLength: 1, maxLength: 4 })).map(([name, values]) => `${name}${values.join(',')}`),
  fc.string({ maxLength: 200 }),
)
const zone = fc.oneof(
  { arbitrary: fc.constantFrom('America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham', 'UTC'), weight: 8 },
  fc.constantFrom('Mars/Base', '', 'america/new_york'),
)
const localTime = fc.oneof(
  { arbitrary: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 16)), weight: 8 },
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 16)),
  fc.constantFrom('2026-03-08T02:30', '2026-11-01T01:30', '2026-02-30T10:00', '2026-13-01T00:00', '10:00', ''),
  fc.string({ maxLength: 25 }),
)
const windowEdge = fc.oneof(
  { arbitrary: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()), weight: 8 },
  fc.date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2300-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString()), localTime)

t.test('recur expand inputs end in bounded occurrences or a named input error', async (t) => {
  let expanded = 0
  let refused = 0
  let slowest = { ms: 0, input: '' }
  fc.assert(
    fc.property(localTime, zone, fc.array(ruleLine, { maxLength: 4 }), windowEdge, windowEdge, (dtstartText, zoneText, lines, fromText, toText) => {
      const started = performance.now()
      try {
        const tz = requireZone(zoneText, '--tz')
        const dtstart = parseLocalDateTime(dtstartText, '--dtstart')
        const fromMs = parseInstantOrLocal(fromText, tz, '--from')
        const toMs = parseInstantOrLocal(toText, tz, '--to')
        const recurrence = parseRecurrence({ dtstart, zone: tz, lines })
        const occurrences = expandOccurrences(recurrence, Math.min(fromMs, toMs), Math.max(fromMs, toMs), CAP)
        if (occurrences.length > CAP) return false
        for (const [i, o] of occurrences.entries()) {
          if (o.startMs < Math.min(fromMs, toMs) || o.startMs >= Math.max(fromMs, toMs)) return false
          if (i > 0 && o.startMs <= (occurrences[i - 1]?.startMs ?? -Infinity)) return false
        }
        expanded++
        return true
      } catch (error) {
        if (!(error instanceof CalendarInputError)) throw error
        refused++
        return error.message.length > 0 && error.field.length > 0
      } finally {
        const ms = performance.now() - started
        if (ms > slowest.ms) slowest = { ms, input: JSON.stringify({ dtstartText, zoneText, lines, fromText, toText }) }
      }
    }),
    { numRuns: RUNS, seed: 5 },
  )
  t.ok(expanded > 0 && refused > 0, `${expanded} expanded, ${refused} refused with a named error`)
  t.comment(`recurrence fuzz inputs tried: ${RUNS}; slowest single input ${slowest.ms.toFixed(1)} ms (reported, not asserted): ${slowest.input}`)
})
