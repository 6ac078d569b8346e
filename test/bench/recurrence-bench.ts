// Benchmark (not a test): recurrence expansion. Run: npm run bench:recurrence [-- --runs N].
// Prints one JSON line. Figures are milliseconds per parse + expansion; "first" is the first call
// in the process (ICU zone data loading, JIT and the offset memo still cold), the others are over
// the following runs (wall median and p95, and the median CPU time of the process).
import { loadavg } from 'node:os'
import { performance } from 'node:perf_hooks'
import { CalendarInputError } from '../../src/calendar/calendar-input-error.js'
import { expandOccurrences, parseRecurrence, type RecurrenceSpec } from '../../src/calendar/recurrence/index.js'

const runsArg = process.argv.indexOf('--runs')
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 200

const at = (year: number, month: number, day: number, hour: number) => ({ year, month, day, hour, minute: 0, second: 0 })
const ms = (iso: string) => Date.parse(iso)

const cases: Array<{ name: string; spec: RecurrenceSpec; from: number; to: number }> = [
  {
    name: 'seedPattern10Years',
    spec: {
      dtstart: at(2026, 1, 21, 10),
      zone: 'America/New_York',
      lines: ['RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR'],
    },
    from: ms('2026-01-01T00:00:00Z'),
    to: ms('2036-01-01T00:00:00Z'),
  },
  {
    name: 'daily10Years',
    spec: { dtstart: at(2026, 1, 1, 9), zone: 'Europe/London', lines: ['RRULE:FREQ=DAILY'] },
    from: ms('2026-01-01T00:00:00Z'),
    to: ms('2036-01-01T00:00:00Z'),
  },
  {
    // The window is 10 years after DTSTART: windowing must make this cost like a near window.
    name: 'dailyOneWeek10YearsOut',
    spec: { dtstart: at(2026, 1, 1, 9), zone: 'Europe/London', lines: ['RRULE:FREQ=DAILY'] },
    from: ms('2035-06-04T00:00:00Z'),
    to: ms('2035-06-11T00:00:00Z'),
  },
  {
    name: 'weekdaysWithExceptions1Year',
    spec: {
      dtstart: at(2026, 1, 5, 9),
      zone: 'Australia/Lord_Howe',
      lines: ['RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR', 'EXDATE;VALUE=DATE:20260126,20260406', 'RDATE:20260307T100000'],
      exceptions: [{ kind: 'cancelled', originalStart: at(2026, 2, 2, 9) }],
    },
    from: ms('2026-01-01T00:00:00Z'),
    to: ms('2027-01-01T00:00:00Z'),
  },
]

/**
 * Wall and CPU time per call. The machine is shared, so wall time includes waiting for a core;
 * the process's CPU time (user + system) is the cost of the work itself.
 */
function measure(run: () => void): { firstMs: number; medianMs: number; p95Ms: number; cpuMedianMs: number } {
  const first = performance.now()
  run()
  const firstMs = performance.now() - first
  const wall: number[] = []
  const cpu: number[] = []
  for (let i = 0; i < RUNS; i++) {
    const startCpu = process.cpuUsage()
    const start = performance.now()
    run()
    wall.push(performance.now() - start)
    const used = process.cpuUsage(startCpu)
    cpu.push((used.user + used.system) / 1000)
  }
  const round = (x: number) => Math.round(x * 1000) / 1000
  const quantile = (values: number[], q: number) => round([...values].sort((a, b) => a - b)[Math.floor(values.length * q)] ?? 0)
  return { firstMs: round(firstMs), medianMs: quantile(wall, 0.5), p95Ms: quantile(wall, 0.95), cpuMedianMs: quantile(cpu, 0.5) }
}

const results: Record<string, unknown> = {}
for (const c of cases) {
  let count = 0
  const timing = measure(() => {
    count = expandOccurrences(parseRecurrence(c.spec), c.from, c.to).length
  })
  results[c.name] = { occurrences: count, ...timing }
}
// The worst case of validation: a rule that can never match is scanned for one full pattern period.
results.rejectImpossibleDailyRule = measure(() => {
  try {
    parseRecurrence({ dtstart: at(2026, 1, 1, 9), zone: 'UTC', lines: ['RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30'] })
  } catch (err) {
    if (!(err instanceof CalendarInputError)) throw err
  }
})

process.stdout.write(
  `${JSON.stringify({ bench: 'recurrence', runs: RUNS, node: process.version, tz: process.versions.tz, loadavg1m: loadavg()[0], results })}\n`,
)
