import t from 'tap'
import { expandOccurrences, parseRecurrence } from '../../../src/calendar/recurrence/index.js'

// The seed's pattern: the third Wednesday of every month except December, plus the
// second-to-last Friday of November, at 10:00 in New York.
const seed = parseRecurrence({
  dtstart: { year: 2026, month: 1, day: 21, hour: 10, minute: 0, second: 0 },
  zone: 'America/New_York',
  lines: ['RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR'],
})
const starts = (from: string, to: string): string[] =>
  expandOccurrences(seed, Date.parse(from), Date.parse(to)).map((o) => new Date(o.startMs).toISOString())

t.test('2026, worked out on a calendar', async (t) => {
  // 2026 starts on a Thursday. First days of the months: Jan Thu, Feb Sun, Mar Sun, Apr Wed,
  // May Fri, Jun Mon, Jul Wed, Aug Sat, Sep Tue, Oct Thu, Nov Sun. Third Wednesdays follow.
  // November's Fridays are 6, 13, 20, 27: the second-to-last is the 20th.
  // US DST 2026 runs from Mar 8 to Nov 1: 10:00 is 15:00Z in EST and 14:00Z in EDT.
  t.same(starts('2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), [
    '2026-01-21T15:00:00.000Z',
    '2026-02-18T15:00:00.000Z',
    '2026-03-18T14:00:00.000Z',
    '2026-04-15T14:00:00.000Z',
    '2026-05-20T14:00:00.000Z',
    '2026-06-17T14:00:00.000Z',
    '2026-07-15T14:00:00.000Z',
    '2026-08-19T14:00:00.000Z',
    '2026-09-16T14:00:00.000Z',
    '2026-10-21T14:00:00.000Z',
    '2026-11-18T15:00:00.000Z',
    '2026-11-20T15:00:00.000Z',
  ])
})

t.test('2027, worked out on a calendar', async (t) => {
  // 2027 starts on a Friday; Feb 1 and Mar 1 are Mondays, Nov 1 a Monday, Dec 1 a Wednesday.
  // US DST 2027: Mar 14 to Nov 7. December's third Wednesday (the 15th) must not appear.
  t.same(starts('2027-01-01T00:00:00Z', '2027-04-01T00:00:00Z'), [
    '2027-01-20T15:00:00.000Z',
    '2027-02-17T15:00:00.000Z',
    '2027-03-17T14:00:00.000Z',
  ])
  t.same(starts('2027-11-01T00:00:00Z', '2028-01-01T00:00:00Z'), [
    '2027-11-17T15:00:00.000Z',
    '2027-11-19T15:00:00.000Z',
  ])
})

t.test('ten years: 11 Wednesdays and 1 Friday a year', async (t) => {
  const all = expandOccurrences(seed, Date.parse('2026-01-01T00:00:00Z'), Date.parse('2036-01-01T00:00:00Z'))
  t.equal(all.length, 120)
  t.notOk(all.some((o) => o.local.month === 12), 'never in December')
  t.ok(all.every((o) => o.local.hour === 10 && o.local.minute === 0), 'always 10:00 local')
})
