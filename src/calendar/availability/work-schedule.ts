import { CalendarInputError } from '../calendar-input-error.js'
import { parseLocalDateTime } from '../time/local-date-time.js'
import { requireZone } from '../time/time-zone.js'

/** A span of local wall-clock time within one day, 'HH:MM' to 'HH:MM' ('24:00' allowed as end). */
export interface TimeRange {
  readonly start: string
  readonly end: string
}

/** ISO weekday: 1 = Monday ... 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7
export const WEEKDAYS: readonly Weekday[] = [1, 2, 3, 4, 5, 6, 7]

/**
 * Working time of a person or an office, in local time of `zone`. A day's working time is the
 * date's override if there is one (an empty list is a day off), else nothing on a holiday, else
 * the weekday's hours; the lunch break is then cut out of it.
 */
export interface WorkSchedule {
  readonly zone: string
  readonly weekly: Readonly<Record<Weekday, readonly TimeRange[]>>
  readonly lunch: TimeRange | null
  /** Local dates 'YYYY-MM-DD' without working time. */
  readonly holidays: readonly string[]
  /** Local date 'YYYY-MM-DD' → the hours that replace that day's (e.g. a half day); [] = day off. */
  readonly overrides: Readonly<Record<string, readonly TimeRange[]>>
}

/** What a person changes relative to their office's schedule; absent fields inherit. */
export interface WorkScheduleOverride {
  readonly zone?: string
  readonly weekly?: Partial<Readonly<Record<Weekday, readonly TimeRange[]>>>
  /** null = this person takes no fixed lunch break. */
  readonly lunch?: TimeRange | null
  /** Personal days off, added to the office's holidays. */
  readonly holidays?: readonly string[]
  /** Per-date hours; the person's entry wins over the office's for the same date. */
  readonly overrides?: Readonly<Record<string, readonly TimeRange[]>>
}

/**
 * The default when an office says nothing: the seed tutorial's business rules, 08:00 to 17:00
 * on weekdays, no weekends, no lunch break.
 */
export function defaultWorkSchedule(zone: string): WorkSchedule {
  const day: readonly TimeRange[] = [{ start: '08:00', end: '17:00' }]
  return validateWorkSchedule(
    { zone, weekly: { 1: day, 2: day, 3: day, 4: day, 5: day, 6: [], 7: [] }, lunch: null, holidays: [], overrides: {} },
    'schedule',
  )
}

/** The person's effective schedule: the office's with the person's changes applied. */
export function mergeSchedules(office: WorkSchedule, person: WorkScheduleOverride, field = 'schedule'): WorkSchedule {
  return validateWorkSchedule(
    {
      zone: person.zone ?? office.zone,
      weekly: { ...office.weekly, ...definedEntries(person.weekly ?? {}) },
      lunch: person.lunch === undefined ? office.lunch : person.lunch,
      holidays: [...new Set([...office.holidays, ...(person.holidays ?? [])])].sort(),
      overrides: { ...office.overrides, ...(person.overrides ?? {}) },
    },
    field,
  )
}

function definedEntries<V>(record: Partial<Record<Weekday, V>>): Partial<Record<Weekday, V>> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined)) as Partial<Record<Weekday, V>>
}

/**
 * Checks a schedule and returns it unchanged, or throws CalendarInputError naming the bad field:
 * HH:MM syntax, end after start, no overlapping ranges within a day, a lunch break inside the
 * hours of at least one weekday, valid dates.
 */
export function validateWorkSchedule(schedule: WorkSchedule, field: string): WorkSchedule {
  requireZone(schedule.zone, `${field}.zone`)
  for (const day of WEEKDAYS) {
    const ranges = schedule.weekly[day]
    if (ranges === undefined) throw new CalendarInputError(`${field}.weekly.${day}`, `${field}.weekly.${day}: missing (use [] for a day off)`)
    requireRanges(ranges, `${field}.weekly.${day}`)
  }
  schedule.holidays.forEach((date, i) => requireLocalDate(date, `${field}.holidays[${i}]`))
  for (const [date, ranges] of Object.entries(schedule.overrides)) {
    requireLocalDate(date, `${field}.overrides.${date}`)
    requireRanges(ranges, `${field}.overrides.${date}`)
  }
  if (schedule.lunch !== null) {
    const lunch = rangeMinutes(schedule.lunch, `${field}.lunch`)
    // Where lunch only partly overlaps a day's hours (a half-day Friday) it is simply cut out;
    // a lunch inside no weekday's hours at all is a mistake in the configuration.
    const insideSomeDay = WEEKDAYS.some((day) =>
      schedule.weekly[day].some((range) => {
        const hours = rangeMinutes(range, `${field}.weekly.${day}`)
        return hours.start <= lunch.start && lunch.end <= hours.end
      }),
    )
    if (!insideSomeDay) {
      throw new CalendarInputError(
        `${field}.lunch`,
        `${field}.lunch: ${schedule.lunch.start}-${schedule.lunch.end} lies inside the working hours of no weekday`,
      )
    }
  }
  return schedule
}

/** A range as minutes after local midnight; '24:00' is 1440. */
export interface MinuteRange {
  readonly start: number
  readonly end: number
}

const HH_MM = /^(\d{2}):(\d{2})$/

function clockMinutes(text: string, field: string): number {
  const m = HH_MM.exec(text)
  const hours = Number(m?.[1])
  const minutes = Number(m?.[2])
  if (!m || hours > 24 || minutes > 59 || (hours === 24 && minutes !== 0)) {
    throw new CalendarInputError(field, `${field}: "${text}" is not a time of day HH:MM (00:00 to 24:00)`)
  }
  return hours * 60 + minutes
}

export function rangeMinutes(range: TimeRange, field: string): MinuteRange {
  const start = clockMinutes(range.start, `${field}.start`)
  const end = clockMinutes(range.end, `${field}.end`)
  if (start === 24 * 60) throw new CalendarInputError(`${field}.start`, `${field}.start: a range cannot start at 24:00`)
  if (end <= start) throw new CalendarInputError(field, `${field}: end ${range.end} is not after start ${range.start}`)
  return { start, end }
}

function requireRanges(ranges: readonly TimeRange[], field: string): void {
  const minutes = ranges.map((r, i) => rangeMinutes(r, `${field}[${i}]`))
  const order = [...minutes.keys()].sort((a, b) => minutes[a]!.start - minutes[b]!.start)
  for (let k = 1; k < order.length; k++) {
    const prev = minutes[order[k - 1]!]!
    const cur = minutes[order[k]!]!
    if (cur.start < prev.end) {
      throw new CalendarInputError(field, `${field}: ranges ${order[k - 1]} and ${order[k]} overlap`)
    }
  }
}

const DATE = /^\d{4}-\d{2}-\d{2}$/

function requireLocalDate(text: string, field: string): void {
  if (!DATE.test(text)) throw new CalendarInputError(field, `${field}: "${text}" is not a date YYYY-MM-DD`)
  parseLocalDateTime(text, field) // range check (e.g. 2026-02-30)
}
