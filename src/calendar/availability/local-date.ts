import { instantToWallClock } from '../time/time-zone.js'
import type { Weekday } from './work-schedule.js'

/** A calendar date without a zone. */
export interface LocalDate {
  readonly year: number
  readonly month: number
  readonly day: number
}

/** The local date in `zone` at the instant `ms`. */
export function localDateOf(ms: number, zone: string): LocalDate {
  const { year, month, day } = instantToWallClock(ms, zone)
  return { year, month, day }
}

// Pure calendar arithmetic on dates of the proleptic Gregorian calendar (no zone involved),
// in integers: free/busy queries do this for every event, so Date objects are avoided.

/** Days since 1970-01-01 (negative before); the "days from civil" algorithm. */
export function dayNumber(date: LocalDate): number {
  const y = date.month <= 2 ? date.year - 1 : date.year
  const era = Math.floor(y / 400)
  const yearOfEra = y - era * 400
  const dayOfYear = Math.floor((153 * (date.month + (date.month > 2 ? -3 : 9)) + 2) / 5) + date.day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * 146_097 + dayOfEra - 719_468
}

/** Inverse of dayNumber. */
export function dateOfDayNumber(n: number): LocalDate {
  const z = n + 719_468
  const era = Math.floor(z / 146_097)
  const dayOfEra = z - era * 146_097
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365)
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const mp = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1
  const month = mp < 10 ? mp + 3 : mp - 9
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

export function addDays(date: LocalDate, days: number): LocalDate {
  return dateOfDayNumber(dayNumber(date) + days)
}

export function isoWeekday(date: LocalDate): Weekday {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((dayNumber(date) + 3) % 7) + 7) % 7 + 1) as Weekday
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day
}

export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, w: number): string => String(n).padStart(w, '0')
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`
}
