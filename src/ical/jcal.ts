import ICAL from 'ical.js'
import type { LocalDateTime } from '../calendar/time/local-date-time.js'

/**
 * jCal (RFC 7265), the JSON form of iCalendar that ical.js parses into and serializes from. The
 * exporters build these arrays and hand them to ICAL.stringify, which does escaping and folding.
 */
export type JcalParameters = Record<string, string>
export type JcalProperty = [name: string, parameters: JcalParameters, type: string, ...values: unknown[]]
export type JcalComponent = [name: string, properties: JcalProperty[], components: JcalComponent[]]

const pad = (n: number, width = 2): string => String(Math.trunc(n)).padStart(width, '0')

/** jCal DATE: 'YYYY-MM-DD'. */
export function jcalDate(t: LocalDateTime): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`
}

/** jCal DATE-TIME without a zone ('YYYY-MM-DDTHH:MM:SS'): floating, or local to a TZID parameter. */
export function jcalLocalDateTime(t: LocalDateTime): string {
  return `${jcalDate(t)}T${pad(t.hour)}:${pad(t.minute)}:${pad(t.second)}`
}

/** jCal DATE-TIME in UTC, from an instant (sub-second parts dropped). */
export function jcalUtcDateTime(ms: number): string {
  return `${new Date(Math.floor(ms / 1000) * 1000).toISOString().slice(0, 19)}Z`
}

/** jCal UTC-OFFSET: '+HH:MM' (the whole minutes of the offset). */
export function jcalUtcOffset(offsetMs: number): string {
  const minutes = Math.trunc(Math.abs(offsetMs) / 60_000)
  return `${offsetMs < 0 ? '-' : '+'}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`
}

/** A RECUR value as jCal, from rule text such as 'FREQ=YEARLY;BYMONTH=3;BYDAY=2SU'. */
export function jcalRecur(name: 'rrule' | 'exrule', ruleText: string): JcalProperty {
  return ICAL.parse.property(`${name.toUpperCase()}:${ruleText}`) as JcalProperty
}

/** iCalendar text of one VCALENDAR: CRLF line ends, long lines folded at 75 octets. */
export function stringifyCalendar(calendar: JcalComponent): string {
  return `${ICAL.stringify(calendar)}\r\n`
}
