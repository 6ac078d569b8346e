import { IANAZone } from 'luxon'
import { CalendarInputError } from '../calendar-input-error.js'
import {
  fromFloatingMs,
  makeLocalDateTime,
  parseLocalDateTime,
  toFloatingMs,
  type LocalDateTime,
} from './local-date-time.js'
import { zoneOffsetMs } from './zone-offsets.js'

export { zoneOffsetMs }

const MINUTE_MS = 60_000
const DAY_MS = 86_400_000

/**
 * Returns `zone` when it names a zone of the IANA tz database known to this runtime, otherwise
 * throws. Fixed offsets such as "+05:00" are refused: events must follow their place's DST rules.
 */
export function requireZone(zone: string, field: string): string {
  if (!isKnownZone(zone)) {
    throw new CalendarInputError(field, `${field}: unknown time zone "${zone}"`)
  }
  return zone
}

/** Answers remembered: luxon builds an ICU formatter for every check. */
const zoneValidity = new Map<string, boolean>()

function isKnownZone(zone: string): boolean {
  let known = zoneValidity.get(zone)
  if (known === undefined) {
    known = zone.length > 0 && !/^[+-]/.test(zone) && IANAZone.isValidZone(zone)
    if (zoneValidity.size < 10_000) zoneValidity.set(zone, known)
  }
  return known
}

/**
 * The instant at which clocks in `zone` show `t`. Policy, used everywhere: a reading that does not
 * exist (skipped by a spring-forward jump) is moved forward by the jump's length, and a reading that
 * occurs twice (fall-back) means the earlier instant. This is RFC 5545's rule and Temporal's
 * "compatible" disambiguation.
 */
export function wallClockToInstant(t: LocalDateTime, zone: string): number {
  return floatingToInstant(toFloatingMs(t), zone)
}

/** wallClockToInstant for a floating value (see toFloatingMs). */
export function floatingToInstant(floating: number, zone: string): number {
  // Offsets a day either side bracket any single transition near this reading.
  const before = zoneOffsetMs(floating - DAY_MS, zone)
  const after = zoneOffsetMs(floating + DAY_MS, zone)
  let earliest: number | undefined
  for (const offset of before === after ? [before] : [before, after]) {
    const candidate = floating - offset
    if (zoneOffsetMs(candidate, zone) === offset && (earliest === undefined || candidate < earliest)) earliest = candidate
  }
  if (earliest !== undefined) return earliest
  // In a gap: reading it with the offset in force before the jump lands the gap's length later.
  return floating - before
}

/** The wall clock in `zone` at an instant (sub-second parts dropped). */
export function instantToWallClock(ms: number, zone: string): LocalDateTime {
  return fromFloatingMs(ms + zoneOffsetMs(ms, zone))
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

function formatOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+'
  const abs = Math.abs(offsetMs) / 1000
  const hours = Math.floor(abs / 3600)
  const minutes = Math.floor((abs % 3600) / 60)
  const seconds = abs % 60
  // Only local mean time before ~1900 has offsets with seconds.
  return `${sign}${pad(hours)}:${pad(minutes)}${seconds === 0 ? '' : `:${pad(seconds)}`}`
}

/** ISO 8601 with the year, milliseconds and either 'Z' or the offset given. */
function formatIso(floating: number, suffix: string): string {
  const d = new Date(floating)
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}` +
    suffix
  )
}

/** e.g. '2026-01-21T10:00:00.000-05:00' */
export function formatInstantInZone(ms: number, zone: string): string {
  const offset = zoneOffsetMs(ms, zone)
  return formatIso(ms + offset, formatOffset(offset))
}

/** e.g. '2026-01-21T15:00:00.000Z' */
export function formatInstantUtc(ms: number): string {
  return formatIso(ms, 'Z')
}

const INSTANT_PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(?:(Z)|([+-])(\d{2}):(\d{2}))$/

/**
 * Text with 'Z' or an offset ('2026-03-10T14:00:00Z', '2026-03-10T09:00-05:00') is an instant;
 * text without ('2026-03-10T09:00', '2026-03-10') is a wall-clock reading in `zone`.
 */
export function parseInstantOrLocal(text: string, zone: string, field: string): number {
  const m = INSTANT_PATTERN.exec(text)
  if (!m) {
    if (/(Z|[+-]\d{2}:?\d{2})$/.test(text) && text.includes('T')) {
      throw new CalendarInputError(
        field,
        `${field}: "${text}" is not an instant (expected YYYY-MM-DDTHH:MM[:SS[.sss]] followed by Z or ±HH:MM)`,
      )
    }
    return wallClockToInstant(parseLocalDateTime(text, field), zone)
  }
  const num = (i: number): number => Number(m[i] ?? '0')
  const local = makeLocalDateTime(
    { year: num(1), month: num(2), day: num(3), hour: num(4), minute: num(5), second: num(6) },
    field,
    text,
  )
  const millis = Number((m[7] ?? '').padEnd(3, '0'))
  if (m[8] === 'Z') return toFloatingMs(local) + millis
  const offsetHours = num(10)
  const offsetMinutes = num(11)
  if (offsetHours > 23 || offsetMinutes > 59) {
    throw new CalendarInputError(field, `${field}: "${text}" has an offset outside -23:59..+23:59`)
  }
  const offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * MINUTE_MS
  return toFloatingMs(local) + millis - offsetMs
}

/** The IANA tz database release that this runtime's ICU carries, e.g. '2025b'. */
export function tzdbVersion(): string {
  return process.versions.tz ?? 'unknown'
}
