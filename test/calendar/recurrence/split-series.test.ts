import fc from 'fast-check'
import t from 'tap'
import { CalendarInputError } from '../../../src/calendar/calendar-input-error.js'
import {
  expandOccurrences,
  parseRecurrence,
  splitSeries,
  type RecurrenceSpec,
} from '../../../src/calendar/recurrence/index.js'
import { fromFloatingMs, parseLocalDateTime } from '../../../src/calendar/time/local-date-time.js'
import { ruleArb } from './rule-arbitrary.js'

const at = (text: string) => parseLocalDateTime(text, 'test')
const NY = 'America/New_York'
const FROM = Date.parse('2026-01-01T00:00:00Z')
const TO = Date.parse('2028-01-01T00:00:00Z')
const expand = (spec: RecurrenceSpec, from = FROM, to = TO) =>
  expandOccurrences(parseRecurrence(spec), from, to).map((o) => ({
    start: new Date(o.startMs).toISOString(),
    duration: o.durationMinutes,
  }))

const seed: RecurrenceSpec = {
  dtstart: at('2026-01-21T10:00'),
  zone: NY,
  lines: ['RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR'],
}

t.test('the seed series split at its June 2026 occurrence', async (t) => {
  const { before, after } = splitSeries(seed, at('2026-06-17T10:00'))
  // Jan 21, Feb 18, Mar 18, Apr 15, May 20 stay; June 17 starts the new series.
  t.same(expand(before).map((o) => o.start.slice(0, 10)), ['2026-01-21', '2026-02-18', '2026-03-18', '2026-04-15', '2026-05-20'])
  t.equal(expand(after)[0]?.start, '2026-06-17T14:00:00.000Z')
  t.same([...expand(before), ...expand(after)], expand(seed), 'together: exactly the original')
  t.same(before.lines, [
    'RRULE:FREQ=MONTHLY;UNTIL=20260617T095959;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11',
    'RRULE:FREQ=YEARLY;UNTIL=20260617T095959;BYDAY=-2FR;BYMONTH=11',
  ])
  t.same(after.dtstart, at('2026-06-17T10:00'))
})

t.test('COUNT is shared out; implied parts are written out; exceptions and RDATEs go to their half', async (t) => {
  const spec: RecurrenceSpec = {
    dtstart: at('2026-03-02T09:00'),
    zone: NY,
    lines: ['RRULE:FREQ=DAILY;COUNT=10', 'RDATE:20260301T120000,20260320T120000'],
    exceptions: [
      { kind: 'cancelled', originalStart: at('2026-03-03T09:00') },
      { kind: 'moved', originalStart: at('2026-03-09T09:00'), start: at('2026-03-09T15:00'), durationMinutes: 15 },
    ],
  }
  const { before, after } = splitSeries(spec, at('2026-03-05T09:00'))
  t.same(before.lines, ['RRULE:FREQ=DAILY;COUNT=3', 'RDATE:20260301T120000'])
  t.same(after.lines, ['RRULE:FREQ=DAILY;COUNT=7;BYSECOND=0;BYMINUTE=0;BYHOUR=9', 'RDATE:20260320T120000'])
  t.equal(before.exceptions?.length, 1)
  t.equal(after.exceptions?.length, 1)
  t.same([...expand(before), ...expand(after)].sort((a, b) => a.start.localeCompare(b.start)), expand(spec))
})

t.test('bad split points are named errors', async (t) => {
  t.throws(() => splitSeries(seed, at('2026-06-18T10:00')), { name: 'CalendarInputError', field: 'at', message: /not an occurrence/ })
  t.throws(() => splitSeries(seed, at('2026-01-21T10:00')), { field: 'at', message: /not after the series start/ })
  // Every other Monday from Jan 5, plus an extra Monday (Jan 12) in an off week.
  const biweekly: RecurrenceSpec = {
    dtstart: at('2026-01-05T09:00'),
    zone: NY,
    lines: ['RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', 'RDATE:20260112T090000'],
  }
  t.throws(() => splitSeries(biweekly, at('2026-01-12T09:00')), { field: 'at', message: /skips \(INTERVAL=2\)/ })
  t.doesNotThrow(() => splitSeries(biweekly, at('2026-01-19T09:00')))
  // Last weekday of each week: a mid-week restart would renumber that week's BYSETPOS.
  const lastWeekday: RecurrenceSpec = { dtstart: at('2026-01-02T09:00'), zone: NY, lines: ['RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1', 'RDATE:20260107T090000'] }
  t.throws(() => splitSeries(lastWeekday, at('2026-01-07T09:00')), { field: 'at', message: /WEEKLY with BYSETPOS/ })
})

t.test('property: the halves of any split give back the original occurrences', async (t) => {
  let splits = 0
  fc.assert(
    fc.property(
      ruleArb,
      fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }),
      fc.nat(),
      (rule, startFloating, pick) => {
        const spec: RecurrenceSpec = { dtstart: fromFloatingMs(Math.floor(startFloating / 3_600_000) * 3_600_000), zone: NY, lines: [`RRULE:${rule}`] }
        let original
        try {
          original = expandOccurrences(parseRecurrence(spec), FROM, TO)
        } catch (err) {
          if (err instanceof CalendarInputError && /never produces/.test(err.message)) return true
          throw err
        }
        if (original.length < 2) return true
        const split = original[1 + (pick % (original.length - 1))]!.originalStart
        let halves
        try {
          halves = splitSeries(spec, split)
        } catch (err) {
          // The one documented refusal that a split at an occurrence of a single rule can meet.
          if (err instanceof CalendarInputError && /WEEKLY with BYSETPOS/.test(err.message)) return true
          throw err
        }
        splits++
        const joined = [...expand(halves.before), ...expand(halves.after)]
        return JSON.stringify(joined) === JSON.stringify(expand(spec))
      },
    ),
    { numRuns: 100, seed: 5 },
  )
  t.ok(splits > 40, `${splits} splits checked`)
})
