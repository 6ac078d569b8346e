import { CalendarInputError } from '../calendar-input-error.js'
import type { LocalDateTime } from '../time/local-date-time.js'
import { requireZone } from '../time/time-zone.js'
import { formatIcalDateValue, parseIcalDateValue } from './ical-date-value.js'
import { parseRuleValue, type RuleValue } from './rule-value.js'

/** One RDATE/EXDATE value: a whole local day, a wall-clock time (in the series' zone or a TZID), or UTC. */
export type DateEntry =
  | { readonly kind: 'date'; readonly date: LocalDateTime }
  | { readonly kind: 'local'; readonly local: LocalDateTime }
  | { readonly kind: 'zoned'; readonly local: LocalDateTime; readonly zone: string }
  | { readonly kind: 'utc'; readonly local: LocalDateTime }

/** A validated recurrence content line. */
export type ContentLine =
  | { readonly name: 'RRULE' | 'EXRULE'; readonly rule: RuleValue }
  | { readonly name: 'RDATE' | 'EXDATE'; readonly dates: readonly DateEntry[] }

const NAMES = ['RRULE', 'EXRULE', 'RDATE', 'EXDATE'] as const

/** Parses one line such as 'RRULE:FREQ=WEEKLY' or 'EXDATE;TZID=Europe/London:20260301T090000,20260308T090000'. */
export function parseContentLine(text: string, field: string): ContentLine {
  const colon = valueSeparator(text)
  if (colon < 0) {
    throw new CalendarInputError(field, `${field}: "${text}" is not a content line (expected e.g. RRULE:FREQ=WEEKLY)`)
  }
  const [nameText = '', ...paramTexts] = splitOutsideQuotes(text.slice(0, colon), ';')
  const name = NAMES.find((known) => known === nameText.toUpperCase())
  const value = text.slice(colon + 1)
  if (name === undefined) {
    throw new CalendarInputError(
      field,
      `${field}: unknown property "${nameText}" (expected RRULE, EXRULE, RDATE or EXDATE)`,
    )
  }
  const fail: (what: string) => never = (what) => {
    throw new CalendarInputError(field, `${field}: ${name}: ${what}`)
  }
  if (name === 'RRULE' || name === 'EXRULE') {
    if (paramTexts.length > 0) fail(`parameters are not allowed ("${paramTexts.join(';')}")`)
    return { name, rule: parseRuleValue(value, name, field) }
  }

  let valueType: 'DATE' | 'DATE-TIME' | undefined
  let zone: string | undefined
  for (const param of paramTexts) {
    const eq = param.indexOf('=')
    const paramName = (eq < 0 ? param : param.slice(0, eq)).toUpperCase()
    const paramValue = eq < 0 ? '' : unquote(param.slice(eq + 1))
    if (paramName === 'VALUE') {
      if (valueType !== undefined) fail('VALUE is given twice')
      const type = paramValue.toUpperCase()
      if (type === 'PERIOD') fail('VALUE=PERIOD is not supported (give start times only)')
      if (type !== 'DATE' && type !== 'DATE-TIME') fail(`unknown VALUE "${paramValue}" (expected DATE or DATE-TIME)`)
      valueType = type
    } else if (paramName === 'TZID') {
      if (zone !== undefined) fail('TZID is given twice')
      try {
        zone = requireZone(paramValue, field)
      } catch {
        fail(`TZID: unknown time zone "${paramValue}"`)
      }
    } else {
      fail(`unknown parameter "${param}" (expected VALUE or TZID)`)
    }
  }
  if (valueType === 'DATE' && zone !== undefined) fail('TZID is meaningless with VALUE=DATE')
  if (value.length === 0) fail('no value')

  const dates = value.split(',').map((item): DateEntry => {
    const parsed = parseIcalDateValue(item.toUpperCase(), field, `${name} value`)
    if (valueType === 'DATE' && parsed.kind !== 'date') fail(`"${item}" is not a date YYYYMMDD, as VALUE=DATE requires`)
    if (valueType !== 'DATE' && parsed.kind === 'date') fail(`"${item}" is a date; add VALUE=DATE or give a time`)
    if (parsed.kind === 'date') return { kind: 'date', date: parsed.date }
    if (parsed.kind === 'utc') {
      if (zone !== undefined) fail(`"${item}" is UTC, which TZID contradicts`)
      return { kind: 'utc', local: parsed.local }
    }
    return zone === undefined ? { kind: 'local', local: parsed.local } : { kind: 'zoned', local: parsed.local, zone }
  })
  return { name, dates }
}

/** One entry as a line of its own (entries of one line may need different parameters). */
export function formatDateEntry(name: 'RDATE' | 'EXDATE', entry: DateEntry): string {
  switch (entry.kind) {
    case 'date':
      return `${name};VALUE=DATE:${formatIcalDateValue({ kind: 'date', date: entry.date })}`
    case 'local':
      return `${name}:${formatIcalDateValue({ kind: 'local', local: entry.local })}`
    case 'zoned':
      return `${name};TZID=${entry.zone}:${formatIcalDateValue({ kind: 'local', local: entry.local })}`
    case 'utc':
      return `${name}:${formatIcalDateValue({ kind: 'utc', local: entry.local })}`
  }
}

/** Index of the ':' that separates name and parameters from the value (quoted ':' do not count). */
function valueSeparator(text: string): number {
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (c === '"') quoted = !quoted
    else if (c === ':' && !quoted) return i
  }
  return -1
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = []
  let quoted = false
  let current = ''
  for (const c of text) {
    if (c === '"') quoted = !quoted
    if (c === separator && !quoted) {
      parts.push(current)
      current = ''
    } else {
      current += c
    }
  }
  parts.push(current)
  return parts
}

function unquote(text: string): string {
  return text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text
}
