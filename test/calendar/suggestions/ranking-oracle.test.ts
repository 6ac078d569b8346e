import t from 'tap'
import fc from 'fast-check'
import { IntervalSet, type Interval } from '../../../src/calendar/intervals/interval-set.js'
import { findMeetingSlots } from '../../../src/calendar/suggestions/find-meeting-slots.js'
import type { AttendeeCalendar } from '../../../src/calendar/suggestions/meeting-request.js'

// The sweep (cursors, shared loops, early structures) against a brute-force oracle: random
// attendees given as raw interval lists, every grid start judged minute by minute, then ranked by
// the documented order. Times are in minutes after 2026-06-01T00:00Z (UTC attendees, so the
// organizer's wall-clock grid is the UTC grid).
const BASE = Date.parse('2026-06-01T00:00:00Z')
const MIN = 60_000
const WINDOW_MINUTES = 12 * 60

const spans = fc.array(
  fc.tuple(fc.integer({ min: 0, max: WINDOW_MINUTES }), fc.integer({ min: 1, max: 240 })).map(([s, len]) => ({ s, e: s + len })),
  { maxLength: 6 },
)
const person = fc.record({ working: spans, busy: spans, tentative: spans })
type Person = { working: Array<{ s: number; e: number }>; busy: Array<{ s: number; e: number }>; tentative: Array<{ s: number; e: number }> }

const toSet = (list: ReadonlyArray<{ s: number; e: number }>): IntervalSet =>
  IntervalSet.of(list.map((x): Interval => ({ start: BASE + x.s * MIN, end: BASE + x.e * MIN })))
const covers = (list: ReadonlyArray<{ s: number; e: number }>, minute: number): boolean => list.some((x) => x.s <= minute && minute < x.e)

function oracle(people: Person[], requiredCount: number, duration: number, granularity: number, minAttendees: number, limit: number) {
  const scored: Array<{ start: number; key: number[] }> = []
  for (let start = 0; start + duration <= WINDOW_MINUTES; start += granularity) {
    let attending = 0
    let unblocked = 0
    let requiredMissing = false
    let requiredConflicts = 0
    let optionalConflicts = 0
    let maxOut = 0
    let totalOut = 0
    people.forEach((p, i) => {
      const required = i < requiredCount
      let blocked = false
      let out = 0
      for (let m = start; m < start + duration; m++) {
        if (covers(p.busy, m) || covers(p.tentative, m)) blocked = true
        if (!covers(p.working, m)) out++
      }
      maxOut = Math.max(maxOut, out)
      totalOut += out
      if (!blocked && out === 0) attending++
      else if (required) requiredMissing = true
      if (!blocked) unblocked++
      else if (required) requiredConflicts++
      else optionalConflicts++
    })
    const misfit = requiredMissing || attending < minAttendees ? 1 : 0
    const shortfall = Math.max(0, minAttendees - unblocked)
    scored.push({ start, key: [misfit, requiredConflicts, shortfall, optionalConflicts, maxOut, totalOut, start] })
  }
  scored.sort((a, b) => {
    for (let k = 0; k < a.key.length; k++) if (a.key[k] !== b.key[k]) return a.key[k]! - b.key[k]!
    return 0
  })
  const fitting = scored.filter((x) => x.key[0] === 0)
  return fitting.length > 0
    ? { suggestions: fitting.slice(0, limit).map((x) => x.start), partial: [] }
    : { suggestions: [], partial: scored.slice(0, limit).map((x) => x.start) }
}

t.test('suggestions and partial slots match a brute-force oracle', async (t) => {
  fc.assert(
    fc.property(
      fc.array(person, { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 0, max: 4 }),
      fc.constantFrom(15, 30, 45, 60, 90),
      fc.constantFrom(15, 30),
      fc.integer({ min: 1, max: 5 }),
      (people, requiredExtra, duration, granularity, minWanted) => {
        const requiredCount = Math.min(people.length, 1 + requiredExtra) // organizer + required
        const minAttendees = Math.min(Math.max(minWanted, 1), people.length)
        const calendars: AttendeeCalendar[] = people.map((p, i) => {
          const busy = toSet(p.busy).union(toSet(p.tentative))
          return { kind: 'intervals', id: `p${i}`, zone: 'UTC', working: toSet(p.working), busy, tentative: toSet(p.tentative).subtract(toSet(p.busy)) }
        })
        const ids = calendars.map((c) => c.id)
        const result = findMeetingSlots(
          {
            organizer: ids[0]!,
            required: ids.slice(1, requiredCount),
            optional: ids.slice(requiredCount),
            durationMinutes: duration,
            window: { start: BASE, end: BASE + WINDOW_MINUTES * MIN },
            granularityMinutes: granularity,
            minAttendees,
            limit: 4,
          },
          calendars,
        )
        const expected = oracle(people, requiredCount, duration, granularity, minAttendees, 4)
        const minutes = (list: ReadonlyArray<{ startMs: number }>): number[] => list.map((s) => (s.startMs - BASE) / MIN)
        const actual = { suggestions: minutes(result.suggestions), partial: minutes(result.partial) }
        return JSON.stringify(actual) === JSON.stringify(expected)
      },
    ),
    { seed: 7, numRuns: 150 },
  )
  t.pass('150 random cases agree')
})
