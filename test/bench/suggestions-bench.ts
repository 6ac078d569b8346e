// Benchmark (not a test): meeting-time suggestions for 50 attendees in 5 time zones, each with
// about 40 events a week (recurring series and single events), over a 4-week window at 15-minute
// granularity. Run: npm run bench:suggestions [-- --runs N]. Prints one JSON line with the
// timings of two paths: from raw events (the office that owns the calendars) and from already
// merged busy/working intervals (what remote offices return).
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import type { CalendarEvent } from '../../src/calendar/availability/calendar-event.js'
import { busyIntervals } from '../../src/calendar/availability/busy-time.js'
import type { WorkSchedule } from '../../src/calendar/availability/work-schedule.js'
import { workingIntervals } from '../../src/calendar/availability/working-time.js'
import { findMeetingSlots } from '../../src/calendar/suggestions/find-meeting-slots.js'
import type { AttendeeCalendar, MeetingRequestInput } from '../../src/calendar/suggestions/meeting-request.js'
import { instantToWallClock } from '../../src/calendar/time/time-zone.js'

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 40
const WARMUP = 5

/** Deterministic PRNG (mulberry32) so every run benchmarks the same calendars. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = Math.imul(a ^ (a >>> 15), 1 | a)
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}
const random = prng(20260302)
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!

const offices: Array<{ zone: string; lunch: string }> = [
  { zone: 'America/Los_Angeles', lunch: '12:00' },
  { zone: 'America/New_York', lunch: '12:30' },
  { zone: 'Europe/London', lunch: '13:00' },
  { zone: 'Asia/Kolkata', lunch: '13:30' },
  { zone: 'Asia/Tokyo', lunch: '12:00' },
]
function officeSchedule(zone: string, lunchStart: string): WorkSchedule {
  const day = [{ start: '09:00', end: '18:00' }]
  const [h, m] = lunchStart.split(':').map(Number) as [number, number]
  const lunchEnd = `${String(h + 1).padStart(2, '0')}:${String(m).padStart(2, '0')}`
  return { zone, weekly: { 1: day, 2: day, 3: day, 4: day, 5: day, 6: [], 7: [] }, lunch: { start: lunchStart, end: lunchEnd }, holidays: [], overrides: {} }
}

const windowStart = Date.parse('2026-03-02T00:00:00Z') // a Monday; the window spans the US and EU DST changes
const windowEnd = windowStart + 28 * 86_400_000

function eventsFor(id: string, zone: string): CalendarEvent[] {
  const events: CalendarEvent[] = []
  const first = instantToWallClock(windowStart - 7 * 86_400_000, zone)
  const base = { year: first.year, month: first.month, day: first.day, second: 0 }
  const add = (n: number, hour: number, minute: number, dayOffset: number, durationMinutes: number, lines: string[] | null): void => {
    const d = new Date(Date.UTC(base.year, base.month - 1, base.day + dayOffset))
    events.push({
      id: `${id}-e${n}`,
      title: 'bench',
      zone,
      timing: { kind: 'timed', start: { ...base, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour, minute }, durationMinutes },
      transparency: random() < 0.1 ? 'tentative' : 'busy',
      recurrence: lines === null ? null : { lines, exceptions: [] },
      meetingId: null,
    })
  }
  // Recurring: a daily stand-up (5 a week), four weekly meetings, a biweekly one: ~9.5 a week.
  add(0, 9, 30, 0, 15, ['RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'])
  for (let k = 1; k <= 4; k++) add(k, 10 + k, pick([0, 30]), k, pick([30, 60]), ['RRULE:FREQ=WEEKLY'])
  add(5, 16, 0, 2, 60, ['RRULE:FREQ=WEEKLY;INTERVAL=2'])
  // Single events: 30 a week over the 5 weeks that touch the window.
  for (let k = 0; k < 150; k++) add(10 + k, 8 + Math.floor(random() * 10), pick([0, 15, 30, 45]), Math.floor(random() * 35), pick([30, 45, 60, 90]), null)
  return events
}

const calendars: AttendeeCalendar[] = []
for (let i = 0; i < 50; i++) {
  const office = offices[i % offices.length]!
  calendars.push({ kind: 'events', id: `u${i}`, zone: office.zone, schedule: officeSchedule(office.zone, office.lunch), events: eventsFor(`u${i}`, office.zone) })
}
// The pre-merged form of the same calendars, as a remote office would send it, covering a year
// so that recurring proposals can be scored over their horizon too.
const window = { start: windowStart, end: windowEnd }
const yearSpan = { start: windowStart, end: windowStart + 366 * 86_400_000 }
const merged: AttendeeCalendar[] = calendars.map((c) => {
  if (c.kind !== 'events') return c
  const { busy, tentative } = busyIntervals(c.events, yearSpan)
  return { kind: 'intervals', id: c.id, zone: c.zone, working: workingIntervals(c.schedule, yearSpan), busy, tentative }
})

// A large meeting as it usually is: a few required people in two overlapping offices (New York
// and London), everyone else optional, spread over all five zones.
const request: MeetingRequestInput = {
  organizer: 'u1',
  required: ['u2', 'u6', 'u7', 'u11'],
  optional: calendars.map((c) => c.id).filter((id) => !['u1', 'u2', 'u6', 'u7', 'u11'].includes(id)),
  durationMinutes: 30,
  window,
  granularityMinutes: 15,
  limit: 5,
}

interface Timing {
  medianMs: number
  p99Ms: number
  maxMs: number
  /** CPU time of the process per query (user + system): less sensitive to other load than wall time. */
  cpuMedianMs: number
  candidates: number
  fits: boolean
}

function measure(input: MeetingRequestInput, cals: AttendeeCalendar[], runs = RUNS): Timing {
  const wall: number[] = []
  const cpu: number[] = []
  let last = findMeetingSlots(input, cals)
  for (let i = 0; i < WARMUP + runs; i++) {
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    last = findMeetingSlots(input, cals)
    const elapsed = performance.now() - t0
    const used = process.cpuUsage(c0)
    if (i >= WARMUP) {
      wall.push(elapsed)
      cpu.push((used.user + used.system) / 1000)
    }
  }
  const quantile = (xs: number[], p: number): number => {
    const sorted = [...xs].sort((a, b) => a - b)
    return Number(sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]!.toFixed(2))
  }
  return {
    medianMs: quantile(wall, 0.5),
    p99Ms: quantile(wall, 0.99),
    maxMs: quantile(wall, 1),
    cpuMedianMs: quantile(cpu, 0.5),
    candidates: last.candidatesScored,
    fits: last.suggestions.length > 0,
  }
}

// Recurring proposals over the same window: the seed's pattern scored over a year (12 occurrences),
// and a weekly meeting scored over 12 weeks.
const seedPattern = ['RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR']
const seedSeries: MeetingRequestInput = { ...request, recurrence: { lines: seedPattern } }
const weeklySeries: MeetingRequestInput = { ...request, recurrence: { lines: ['RRULE:FREQ=WEEKLY'], horizonEndMs: windowStart + 12 * 7 * 86_400_000 } }

const storedEvents = calendars.reduce((n, c) => n + (c.kind === 'events' ? c.events.length : 0), 0)
process.stdout.write(
  `${JSON.stringify({
    bench: 'suggestions',
    attendees: calendars.length,
    zones: offices.length,
    storedEvents,
    windowDays: 28,
    granularityMinutes: 15,
    runs: RUNS,
    fromEvents: measure(request, calendars),
    fromMergedIntervals: measure(request, merged),
    seedPatternFromMergedIntervals: measure(seedSeries, merged),
    weeklyOver12WeeksFromMergedIntervals: measure(weeklySeries, merged, Math.min(RUNS, 10)),
    // The machine is shared: a high load average makes these figures pessimistic.
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  })}\n`,
)
