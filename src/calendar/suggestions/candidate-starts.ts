import { DEFAULT_FIELD_NAMES, expandOccurrences, parseRecurrence, type Occurrence, type RecurrenceFieldNames } from '../recurrence/index.js'
// The public API always counts DTSTART as an occurrence; these two tell whether the rule itself
// produces a start.
import { parseContentLine, type ContentLine } from '../recurrence/content-line.js'
import { FloatingRule } from '../recurrence/floating-rule.js'
import type { RuleValue } from '../recurrence/rule-value.js'
import { toFloatingMs, type LocalDateTime } from '../time/local-date-time.js'
import { dayNumber, type LocalDate } from '../availability/local-date.js'
import { instantOfLocal } from '../availability/local-day-clock.js'
import { instantToWallClock } from '../time/time-zone.js'
import type { MeetingRequest } from './meeting-request.js'

const MINUTE_MS = 60_000
const RECURRENCE_FIELDS: RecurrenceFieldNames = { ...DEFAULT_FIELD_NAMES, line: (i) => `recurrence.lines[${i}]` }

/**
 * Candidate start instants: every `granularity` minutes from the first wall-clock multiple of the
 * granularity in the organizer's zone (so a 30-minute grid means :00 and :30 for the organizer,
 * even in Asia/Kathmandu), up to the last start that still ends inside the window.
 */
export function candidateStarts(request: MeetingRequest, organizerZone: string): number[] {
  const step = request.granularityMinutes * MINUTE_MS
  const { start, end } = request.window
  const local = instantToWallClock(start, organizerZone)
  // How far `start` lies into its grid cell on the organizer's wall clock.
  const intoCellMs =
    ((local.hour * 60 + local.minute) % request.granularityMinutes) * MINUTE_MS + local.second * 1000 + (((start % 1000) + 1000) % 1000)
  const first = intoCellMs === 0 ? start : start - intoCellMs + step
  const lastStart = end - request.durationMinutes * MINUTE_MS
  const out: number[] = []
  for (let t = first; t <= lastStart; t += step) out.push(t)
  return out
}

/**
 * Turns a candidate's first start into the starts of all its occurrences: just that start for a
 * single meeting; for a recurring one, the series with DTSTART at the organizer's wall time of the
 * candidate, up to the horizon. Gives null when the candidate is not a date of the rule itself
 * (RFC 5545 leaves a DTSTART off the rule undefined; a "third Wednesday" series must begin on a
 * third Wednesday), so such a start is not a candidate. The rule lines are parsed once per request.
 *
 * Expanding a series for each of thousands of candidates is the expensive part, so when the
 * lines cannot depend on the time of day (see dependsOnTimeOfDay) the series' dates are expanded
 * once per local date and only converted for each time on that date.
 */
export function seriesPlanner(request: MeetingRequest, organizerZone: string): (startMs: number) => number[] | null {
  const { recurrence } = request
  if (recurrence === null) return (startMs) => [startMs]
  const lines = recurrence.lines.map((text, i) => parseContentLine(text, `recurrence.lines[${i}]`))
  const rrules = lines.flatMap((line) => (line.name === 'RRULE' ? [line.rule] : []))
  /** The occurrences of the series starting at `dtstart`, or null when the rule does not produce `dtstart`. */
  const expandSeries = (dtstart: LocalDateTime, startMs: number): Occurrence[] | null => {
    const floating = toFloatingMs(dtstart)
    const onRule = rrules.length === 0 || rrules.some((rule) => new FloatingRule(rule, dtstart, organizerZone).between(floating, floating).length > 0)
    if (!onRule) return null
    const series = parseRecurrence({ dtstart, zone: organizerZone, lines: recurrence.lines }, RECURRENCE_FIELDS)
    return expandOccurrences(series, startMs, recurrence.horizonEndMs)
  }
  // The first occurrence must be the candidate itself: an EXDATE may remove it, and a start in
  // the repeated hour of a fall-back day reads as the earlier instant of its wall time.
  const beginsAt = (starts: number[], startMs: number): number[] | null => (starts[0] === startMs ? starts : null)

  if (dependsOnTimeOfDay(lines)) {
    return (startMs) => {
      const occurrences = expandSeries(instantToWallClock(startMs, organizerZone), startMs)
      return occurrences === null ? null : beginsAt(occurrences.map((o) => o.startMs), startMs)
    }
  }
  const datesByDay = new Map<number, readonly LocalDate[] | null>()
  return (startMs) => {
    const dtstart = instantToWallClock(startMs, organizerZone)
    const day = dayNumber(dtstart)
    let dates = datesByDay.get(day)
    if (dates === undefined) {
      // Candidates come in ascending order, so this is the date's earliest time: any occurrence
      // it leaves beyond the horizon lies beyond it for the later times too.
      dates = expandSeries(dtstart, startMs)?.map((o) => o.originalStart) ?? null
      datesByDay.set(day, dates)
    }
    if (dates === null) return null
    const starts: number[] = []
    for (const date of dates) {
      const ms = instantOfLocal({ ...date, hour: dtstart.hour, minute: dtstart.minute, second: dtstart.second }, organizerZone)
      if (ms >= recurrence.horizonEndMs) break
      starts.push(ms)
    }
    return beginsAt(starts, startMs)
  }
}

/**
 * Whether a series' dates may change with the time of day of its DTSTART: rules that pick hours,
 * minutes or seconds, an UNTIL with a time, or explicit RDATE/EXDATE values. Without those, the
 * rule pins the time to DTSTART's and generates the same dates whatever that time is.
 */
function dependsOnTimeOfDay(lines: readonly ContentLine[]): boolean {
  return lines.some((line) => {
    // RDATE and EXDATE values carry their own times.
    if (!('rule' in line)) return true
    const rule: RuleValue = line.rule
    return (
      rule.byHour.length > 0 ||
      rule.byMinute.length > 0 ||
      rule.bySecond.length > 0 ||
      (rule.end.kind === 'until' && rule.end.until.kind !== 'date')
    )
  })
}
