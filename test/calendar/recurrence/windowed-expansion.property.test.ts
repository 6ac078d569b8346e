import fc from 'fast-check'
import rrulePackage from 'rrule'
import t from 'tap'
import { CalendarInputError } from '../../../src/calendar/calendar-input-error.js'
import { expandOccurrences, parseRecurrence } from '../../../src/calendar/recurrence/index.js'
import { fromFloatingMs, type LocalDateTime } from '../../../src/calendar/time/local-date-time.js'
import { wallClockToInstant } from '../../../src/calendar/time/time-zone.js'
import { ruleArb } from './rule-arbitrary.js'

// The windowed expansion re-anchors rules near the window and pins what DTSTART implied. The
// reference here is the plain one: rrule's own parser on the rule text, iterated from DTSTART.
const { rrulestr } = rrulePackage
const DAY = 86_400_000
const YEAR = 365 * DAY

const pad = (n: number, w = 2) => String(n).padStart(w, '0')
const icalLocal = (t: LocalDateTime) =>
  `${pad(t.year, 4)}${pad(t.month)}${pad(t.day)}T${pad(t.hour)}${pad(t.minute)}${pad(t.second)}`

t.test('windowed expansion equals expansion from DTSTART', async (t) => {
  let compared = 0
  fc.assert(
    fc.property(
      ruleArb,
      fc.constantFrom('America/New_York', 'UTC', 'Australia/Lord_Howe'),
      fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2030, 0, 1) }),
      fc.integer({ min: -DAY, max: 20 * YEAR }),
      fc.integer({ min: 1, max: 2 * YEAR }),
      (rule, zone, startFloating, offset, length) => {
        const dtstart = fromFloatingMs(Math.floor(startFloating / 60_000) * 60_000)
        let recurrence
        try {
          recurrence = parseRecurrence({ dtstart, zone, lines: [`RRULE:${rule}`] })
        } catch (err) {
          if (err instanceof CalendarInputError && /never produces/.test(err.message)) return true
          throw err
        }
        const from = startFloating + offset
        const to = from + length
        const ours = expandOccurrences(recurrence, from, to).map((o) => o.startMs)

        const reference = rrulestr(`DTSTART:${icalLocal(dtstart)}\nRRULE:${rule}`)
        const floating = reference.between(new Date(from - 2 * DAY), new Date(to + 2 * DAY), true).map((d) => d.getTime())
        const expected = [...new Set([dtstart, ...floating.map(fromFloatingMs)].map((l) => wallClockToInstant(l, zone)))]
          .filter((ms) => ms >= from && ms < to)
          .sort((a, b) => a - b)
        compared++
        return JSON.stringify(ours) === JSON.stringify(expected)
      },
    ),
    { numRuns: 250, seed: 20260121 },
  )
  t.ok(compared > 150, `${compared} rules compared`)
})
