import { CalendarInputError } from '../calendar-input-error.js'

/** A wall-clock reading with no zone attached: what a clock on the wall shows, not an instant. */
export interface LocalDateTime {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/
const MONTH_NAMES = [
  'January', 'February', 'March', 'April', 'May', 'June',
  'July', 'August', 'September', 'October', 'November', 'December',
] as const

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
}

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

/**
 * Builds a LocalDateTime from fields, checking every range (years 1..9999, real calendar days,
 * 00:00:00..23:59:59). `field` and `shown` name the input in the error.
 */
export function makeLocalDateTime(
  fields: { year: number; month: number; day: number; hour?: number; minute?: number; second?: number },
  field: string,
  shown: string,
): LocalDateTime {
  const { year, month, day, hour = 0, minute = 0, second = 0 } = fields
  const bad = (what: string): never => {
    throw new CalendarInputError(field, `${field}: "${shown}" ${what}`)
  }
  if (!Number.isInteger(year) || year < 1 || year > 9999) bad('has a year outside 0001..9999')
  if (!Number.isInteger(month) || month < 1 || month > 12) bad('has a month outside 01..12')
  const monthDays = daysInMonth(year, month)
  if (!Number.isInteger(day) || day < 1 || day > monthDays) {
    bad(`is not a calendar date (${MONTH_NAMES[month - 1] ?? ''} ${year} has ${monthDays} days)`)
  }
  if (!Number.isInteger(hour) || hour < 0 || hour > 23) bad('has an hour outside 00..23')
  if (!Number.isInteger(minute) || minute < 0 || minute > 59) bad('has a minute outside 00..59')
  if (!Number.isInteger(second) || second < 0 || second > 59) bad('has a second outside 00..59')
  return { year, month, day, hour, minute, second }
}

/** Parses 'YYYY-MM-DD' (midnight), 'YYYY-MM-DDTHH:MM' or 'YYYY-MM-DDTHH:MM:SS'. */
export function parseLocalDateTime(text: string, field: string): LocalDateTime {
  const m = LOCAL_PATTERN.exec(text)
  if (!m) {
    throw new CalendarInputError(
      field,
      `${field}: "${text}" is not a local date-time (expected YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS)`,
    )
  }
  const num = (i: number): number => Number(m[i] ?? '0')
  return makeLocalDateTime(
    { year: num(1), month: num(2), day: num(3), hour: num(4), minute: num(5), second: num(6) },
    field,
    text,
  )
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

export function formatLocalDateTime(t: LocalDateTime): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`
}

/**
 * The "floating" encoding: the wall-clock fields read as if they were UTC. Floating values order
 * and subtract like wall-clock readings, which is what recurrence rules are defined on.
 */
export function toFloatingMs(t: LocalDateTime): number {
  const d = new Date(0)
  d.setUTCFullYear(t.year, t.month - 1, t.day) // setUTCFullYear keeps years 1..99 literal (Date.UTC would add 1900)
  d.setUTCHours(t.hour, t.minute, t.second, 0)
  return d.getTime()
}

/** Inverse of toFloatingMs; sub-second parts are dropped. */
export function fromFloatingMs(ms: number): LocalDateTime {
  const d = new Date(ms)
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  }
}

export function compareLocalDateTime(a: LocalDateTime, b: LocalDateTime): number {
  return toFloatingMs(a) - toFloatingMs(b)
}
