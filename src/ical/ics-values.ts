import ICAL from 'ical.js'
import { CalendarInputError } from '../calendar/calendar-input-error.js'
import { makeLocalDateTime, type LocalDateTime } from '../calendar/time/local-date-time.js'
import type { IcsComponent, IcsProperty } from './ics-document.js'

/**
 * A DATE or DATE-TIME as written: a whole day, a wall-clock time (floating when `tzid` is null),
 * or a UTC time.
 */
export type IcsDateValue =
  | { readonly kind: 'date'; readonly date: LocalDateTime }
  | { readonly kind: 'local'; readonly local: LocalDateTime; readonly tzid: string | null }
  | { readonly kind: 'utc'; readonly local: LocalDateTime }

/** The error for a bad value: names the line, the property and what is wrong. */
export function propertyError(p: IcsProperty, what: string): CalendarInputError {
  const shown = p.text.length > 80 ? `${p.text.slice(0, 77)}...` : p.text
  return new CalendarInputError('ics', `ics: line ${p.line}: ${p.name}: ${what} (in "${shown}")`)
}

const JCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(Z?))?$/

/** Every DATE/DATE-TIME value of the property (EXDATE and RDATE may list several). */
export function readDateValues(p: IcsProperty): IcsDateValue[] {
  const tzidParameter = p.property.getParameter('tzid')
  const tzid = typeof tzidParameter === 'string' && tzidParameter.length > 0 ? tzidParameter : null
  const values = p.property.jCal.slice(3)
  if (values.length === 0) throw propertyError(p, 'no value')
  return values.map((value): IcsDateValue => {
    if (typeof value !== 'string') throw propertyError(p, 'periods are not supported here (give start times only)')
    const m = JCAL_DATE_TIME.exec(value)
    if (m === null) throw propertyError(p, 'not a date (YYYYMMDD) or date-time (YYYYMMDDTHHMMSS, optionally ending in Z)')
    const num = (i: number): number => Number(m[i] ?? '0')
    let local: LocalDateTime
    try {
      local = makeLocalDateTime({ year: num(1), month: num(2), day: num(3), hour: num(4), minute: num(5), second: num(6) }, p.name, value)
    } catch (error) {
      throw propertyError(p, error instanceof Error ? error.message : String(error))
    }
    if (m[4] === undefined) return { kind: 'date', date: local }
    if (m[7] === 'Z') {
      if (tzid !== null) throw propertyError(p, `a UTC time ("Z") contradicts TZID=${tzid}`)
      return { kind: 'utc', local }
    }
    return { kind: 'local', local, tzid }
  })
}

export function readDateValue(p: IcsProperty): IcsDateValue {
  const [first, second] = readDateValues(p)
  if (first === undefined || second !== undefined) throw propertyError(p, 'exactly one value expected')
  return first
}

/** A TEXT value, unescaped. */
export function readText(p: IcsProperty): string {
  const value = p.property.getFirstValue()
  return typeof value === 'string' ? value : String(value ?? '')
}

/** A DURATION value in seconds; negative durations are refused. */
export function readDurationSeconds(p: IcsProperty): number {
  const value = p.property.jCal[3]
  let seconds: number
  try {
    seconds = ICAL.Duration.fromString(String(value)).toSeconds()
  } catch (error) {
    throw propertyError(p, `not a duration such as PT1H30M or P1D (${error instanceof Error ? error.message : String(error)})`)
  }
  if (!Number.isFinite(seconds) || seconds < 0) throw propertyError(p, 'a negative duration')
  return seconds
}

/** A UTC-OFFSET value such as -0500, in milliseconds. */
export function readUtcOffsetMs(p: IcsProperty): number {
  const m = /^([+-])(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(p.property.jCal[3]))
  if (m === null) throw propertyError(p, 'not a UTC offset such as -0500 or +0530')
  const [, sign, hours, minutes, seconds] = m
  const ms = ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds ?? '0')) * 1000
  if (ms >= 24 * 3_600_000) throw propertyError(p, 'an offset of a day or more')
  return sign === '-' ? -ms : ms
}

/** The text after the first ':' outside quotes: what a property says, verbatim. */
export function rawValue(p: IcsProperty): string {
  let quoted = false
  for (let i = 0; i < p.text.length; i++) {
    const c = p.text[i]
    if (c === '"') quoted = !quoted
    else if (c === ':' && !quoted) return p.text.slice(i + 1)
  }
  return ''
}

export function propertiesNamed(component: IcsComponent, name: string): IcsProperty[] {
  return component.properties.filter((p) => p.name === name)
}

/** The only property of that name, or null; a second one is an error. */
export function singleProperty(component: IcsComponent, name: string): IcsProperty | null {
  const [first, second] = propertiesNamed(component, name)
  if (second !== undefined) throw propertyError(second, `given twice in the ${component.name} that begins on line ${component.line}`)
  return first ?? null
}

export function requiredProperty(component: IcsComponent, name: string): IcsProperty {
  const p = singleProperty(component, name)
  if (p === null) {
    throw new CalendarInputError('ics', `ics: line ${component.line}: ${component.name} has no ${name}`)
  }
  return p
}
