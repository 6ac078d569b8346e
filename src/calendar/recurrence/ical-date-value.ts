import { CalendarInputError } from '../calendar-input-error.js'
import { makeLocalDateTime, type LocalDateTime } from '../time/local-date-time.js'

/**
 * An RFC 5545 DATE or DATE-TIME value (as in UNTIL, RDATE, EXDATE), still unresolved:
 * `date` is a whole local day, `local` a wall-clock time in some zone, `utc` an instant.
 */
export type IcalDateValue =
  | { readonly kind: 'date'; readonly date: LocalDateTime }
  | { readonly kind: 'local'; readonly local: LocalDateTime }
  | { readonly kind: 'utc'; readonly local: LocalDateTime }

const DATE_TIME = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/

/** Parses 'YYYYMMDD', 'YYYYMMDDTHHMMSS' or 'YYYYMMDDTHHMMSSZ'; `what` names the value in errors. */
export function parseIcalDateValue(text: string, field: string, what: string): IcalDateValue {
  const m = DATE_TIME.exec(text)
  if (!m) {
    throw new CalendarInputError(
      field,
      `${field}: ${what} "${text}" is not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS, optionally ending in Z)`,
    )
  }
  const num = (i: number): number => Number(m[i] ?? '0')
  const local = makeLocalDateTime(
    { year: num(1), month: num(2), day: num(3), hour: num(4), minute: num(5), second: num(6) },
    field,
    text,
  )
  if (m[4] === undefined) return { kind: 'date', date: local }
  return m[7] === 'Z' ? { kind: 'utc', local } : { kind: 'local', local }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0')

export function formatIcalDateValue(value: IcalDateValue): string {
  const t = value.kind === 'date' ? value.date : value.local
  const date = `${pad(t.year, 4)}${pad(t.month)}${pad(t.day)}`
  if (value.kind === 'date') return date
  return `${date}T${pad(t.hour)}${pad(t.minute)}${pad(t.second)}${value.kind === 'utc' ? 'Z' : ''}`
}
