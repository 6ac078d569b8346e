import { IANAZone } from 'luxon'
import { expandOccurrences, parseRecurrence } from '../calendar/recurrence/index.js'
import { fromFloatingMs, toFloatingMs, type LocalDateTime } from '../calendar/time/local-date-time.js'
import { zoneOffsetMs } from '../calendar/time/time-zone.js'
import { jcalLocalDateTime, jcalRecur, jcalUtcOffset, type JcalComponent, type JcalProperty } from './jcal.js'
import { zoneTransitions, type ZoneTransition } from './zone-transitions.js'

const DAY_MS = 86_400_000
const YEAR_MS = 366 * DAY_MS
const WEEKDAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const
/**
 * A rule found from a few years is checked against the tz database this much further: weekdays
 * and dates realign every 28 years, so two rule shapes that agree on a short span (4th Friday
 * and "Friday before the last Sunday") must part within it.
 */
const CHECK_AHEAD_YEARS = 28

/** A transition with the wall clock (in the offset before it) at which it happens, as VTIMEZONE writes it. */
interface WallTransition extends ZoneTransition {
  readonly wall: LocalDateTime
}

/** A yearly rule that reproduces the zone's transitions from `first` on, forever. */
interface YearlyObservance {
  readonly first: WallTransition
  readonly rule: string
}

/**
 * A VTIMEZONE for an IANA zone, derived from the runtime's tz database (ical.js has none): it is
 * exact for every instant from `fromYear` on. Transitions up to `toYear` are found by scanning; if
 * the last years follow a yearly pattern (the usual DST rules), that pattern is written as two
 * RRULE observances without end, so the component stays right for later years too; transitions
 * before the pattern (or all of them, for a zone without one) are written one by one.
 */
export function vtimezoneFor(zone: string, fromYear: number, toYear: number): JcalComponent {
  // Two days early, so that the first observance precedes local midnight of January 1 in every zone.
  const fromMs = toFloatingMs({ year: fromYear, month: 1, day: 1, hour: 0, minute: 0, second: 0 }) - 2 * DAY_MS
  const toMs = toFloatingMs({ year: toYear + 1, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
  const transitions = zoneTransitions(zone, fromMs, toMs).map(
    (t): WallTransition => ({ ...t, wall: fromFloatingMs(t.atMs + t.offsetFromMs) }),
  )
  const tail = yearlyTail(zone, transitions, toYear)
  const oneByOne = tail === null ? transitions : transitions.slice(0, transitions.indexOf(tail[0].first))
  const initialOffset = zoneOffsetMs(fromMs, zone)
  const observances: JcalComponent[] = [
    // Fixes the offset in force when the span starts, before any transition in it.
    observance(zone, isDaylight(transitions, fromMs, initialOffset), fromFloatingMs(fromMs + initialOffset), initialOffset, initialOffset, fromMs, null),
    ...oneByOne.map((t) => observance(zone, isDaylight(transitions, t.atMs, t.offsetToMs), t.wall, t.offsetFromMs, t.offsetToMs, t.atMs, null)),
    ...(tail ?? []).map(({ first: t, rule }) =>
      observance(zone, isDaylight(transitions, t.atMs, t.offsetToMs), t.wall, t.offsetFromMs, t.offsetToMs, t.atMs, rule),
    ),
  ]
  return ['vtimezone', [['tzid', {}, 'text', zone]], observances]
}

function observance(
  zone: string,
  daylight: boolean,
  wall: LocalDateTime,
  fromOffset: number,
  toOffset: number,
  atMs: number,
  rule: string | null,
): JcalComponent {
  const properties: JcalProperty[] = [
    ['dtstart', {}, 'date-time', jcalLocalDateTime(wall)],
    ['tzoffsetfrom', {}, 'utc-offset', jcalUtcOffset(fromOffset)],
    ['tzoffsetto', {}, 'utc-offset', jcalUtcOffset(toOffset)],
  ]
  const name = IANAZone.create(zone).offsetName(atMs, { format: 'short', locale: 'en-US' })
  // ICU answers 'GMT+1' where English has no abbreviation; that says nothing TZOFFSETTO does not.
  if (name !== null && /^[A-Z]{2,5}$/.test(name)) properties.push(['tzname', {}, 'text', name])
  if (rule !== null) properties.push(jcalRecur('rrule', rule))
  return [daylight ? 'daylight' : 'standard', properties, []]
}

/** Daylight time is an offset above the lowest one in force within a year either side. */
function isDaylight(transitions: readonly ZoneTransition[], atMs: number, offsetMs: number): boolean {
  const near = transitions.filter((t) => Math.abs(t.atMs - atMs) <= YEAR_MS)
  return near.some((t) => t.offsetFromMs < offsetMs || t.offsetToMs < offsetMs)
}

/**
 * The longest run at the end of `transitions` that alternates between two offsets once a year
 * each, up to `lastYear`, and that a yearly rule per direction reproduces exactly; null if none.
 */
function yearlyTail(zone: string, transitions: readonly WallTransition[], lastYear: number): [YearlyObservance, YearlyObservance] | null {
  const last = transitions[transitions.length - 1]
  const previous = transitions[transitions.length - 2]
  if (last === undefined || previous === undefined || last.wall.year !== lastYear || previous.wall.year !== lastYear) return null
  if (last.offsetFromMs !== previous.offsetToMs || last.offsetToMs !== previous.offsetFromMs) return null
  // Walk back while each transition repeats the one a year later in the same direction.
  let start = transitions.length - 2
  while (start > 0) {
    const candidate = transitions[start - 1]
    const yearLater = transitions[start + 1]
    if (candidate === undefined || yearLater === undefined || !repeatsYearly(candidate, yearLater)) break
    start--
  }
  for (; transitions.length - start >= 4; start++) {
    const run = transitions.slice(start)
    const observances = [0, 1].map((parity) => yearlyObservance(zone, run.filter((_, i) => i % 2 === parity), lastYear))
    const [a, b] = observances
    if (a !== undefined && a !== null && b !== undefined && b !== null) return [a, b]
  }
  return null
}

function repeatsYearly(earlier: WallTransition, later: WallTransition): boolean {
  return (
    earlier.offsetFromMs === later.offsetFromMs &&
    earlier.offsetToMs === later.offsetToMs &&
    earlier.wall.year + 1 === later.wall.year &&
    earlier.wall.month === later.wall.month &&
    earlier.wall.hour === later.wall.hour &&
    earlier.wall.minute === later.wall.minute &&
    earlier.wall.second === later.wall.second
  )
}

/**
 * The first of the usual rule shapes that yields exactly these yearly transitions through
 * `lastYear` and agrees with the tz database for CHECK_AHEAD_YEARS more.
 */
function yearlyObservance(zone: string, run: readonly WallTransition[], lastYear: number): YearlyObservance | null {
  const first = run[0]
  if (first === undefined) return null
  const { month, day } = first.wall
  const weekday = WEEKDAYS[new Date(toFloatingMs(first.wall)).getUTCDay()] ?? 'SU'
  const days = run.map((t) => t.wall.day)
  // Every seven-day window holding all the days seen: "the first Friday on or after the 23rd" and the like.
  const windowStarts = Array.from({ length: 7 }, (_, i) => Math.max(...days) - 6 + i).filter((d) => d >= 1 && d <= Math.min(...days))
  const candidates = [
    `FREQ=YEARLY;BYMONTH=${month};BYDAY=${Math.ceil(day / 7)}${weekday}`, // e.g. second Sunday of March
    `FREQ=YEARLY;BYMONTH=${month};BYDAY=-1${weekday}`, // e.g. last Sunday of October
    ...windowStarts.map((start) => {
      const window = Array.from({ length: 7 }, (_, i) => start + i).filter((d) => d <= 31)
      return `FREQ=YEARLY;BYMONTH=${month};BYDAY=${weekday};BYMONTHDAY=${window.join(',')}`
    }),
  ]
  const walls = run.map((t) => toFloatingMs(t.wall))
  const yearStart = (year: number): number => toFloatingMs({ year, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
  const scanEnd = yearStart(lastYear + 1)
  const { offsetFromMs, offsetToMs } = first
  const rule = candidates.find((text) => {
    // Expanded in UTC, instants equal wall clocks, which is how observance rules are defined.
    const recurrence = parseRecurrence({ dtstart: first.wall, zone: 'UTC', lines: [`RRULE:${text}`] })
    const produced = expandOccurrences(recurrence, walls[0] ?? 0, scanEnd).map((o) => o.startMs)
    if (produced.length !== walls.length || produced.some((ms, i) => ms !== walls[i])) return false
    return expandOccurrences(recurrence, scanEnd, yearStart(lastYear + 1 + CHECK_AHEAD_YEARS)).every((o) => {
      const atMs = o.startMs - offsetFromMs
      return zoneOffsetMs(atMs - 1000, zone) === offsetFromMs && zoneOffsetMs(atMs, zone) === offsetToMs
    })
  })
  return rule === undefined ? null : { first, rule }
}
