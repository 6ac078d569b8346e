import { validateCalendarEvent, type CalendarEvent, type EventTiming, type Transparency } from '../calendar/availability/calendar-event.js'
import { dayNumber } from '../calendar/availability/local-date.js'
import { CalendarInputError } from '../calendar/calendar-input-error.js'
import { formatIcalDateValue } from '../calendar/recurrence/ical-date-value.js'
import { parseRecurrence, type OccurrenceException } from '../calendar/recurrence/index.js'
import { formatRuleValue, parseRuleValue } from '../calendar/recurrence/rule-value.js'
import { formatLocalDateTime, fromFloatingMs, toFloatingMs, type LocalDateTime } from '../calendar/time/local-date-time.js'
import { instantToWallClock, wallClockToInstant } from '../calendar/time/time-zone.js'
import type { IcsComponent, IcsProperty } from './ics-document.js'
import type { ImportWarnings } from './import-warnings.js'
import { propertiesNamed, propertyError, rawValue, readDateValue, readDateValues, readDurationSeconds, readText, singleProperty, type IcsDateValue } from './ics-values.js'
import { ALL_DAY_ZONE_PROPERTY, CANCELLED_PARAMETER, MEETING_ID_PROPERTY, UTC_ZONE } from './vevent-export.js'
import type { ResolvedZone } from './zone-resolution.js'

export interface VeventImportContext {
  /** Zone of floating times and of all-day events that do not name one: the calendar's or the person's. */
  readonly defaultZone: string
  /** UIDs ending in '@' + domain are ids this project exported. */
  readonly domain: string | null
  readonly resolve: (tzid: string, line: number) => ResolvedZone
  readonly warnings: ImportWarnings
}

/** A DATE or DATE-TIME placed in time: a whole day, a wall clock in an IANA zone, or an instant. */
type Placed =
  | { readonly kind: 'date'; readonly date: LocalDateTime }
  | { readonly kind: 'wall'; readonly local: LocalDateTime; readonly zone: string }
  | { readonly kind: 'instant'; readonly ms: number }

const MINUTE_MS = 60_000
const DAY_SECONDS = 86_400
/** Properties read into the event, or bookkeeping with nothing to keep. */
const HANDLED = new Set([
  'UID', 'DTSTAMP', 'DTSTART', 'DTEND', 'DURATION', 'SUMMARY', 'TRANSP', 'STATUS', 'RRULE', 'EXRULE', 'RDATE', 'EXDATE',
  'RECURRENCE-ID', 'SEQUENCE', 'CREATED', 'LAST-MODIFIED',
])

/**
 * One event from its VEVENTs: the series (`master`) and the VEVENTs that override single
 * occurrences of it (same UID, with RECURRENCE-ID). Returns null, with a warning, for what the
 * calendar does not keep (a cancelled or zero-length event).
 */
export function eventFromVevents(master: IcsComponent, overrides: readonly IcsComponent[], context: VeventImportContext): CalendarEvent | null {
  const { warnings } = context
  noteDropped(master, context)
  const status = singleProperty(master, 'STATUS')
  if (status !== null && readText(status).toUpperCase() === 'CANCELLED') {
    warnings.add(master.line, 'a cancelled event (STATUS:CANCELLED) was skipped')
    return null
  }
  const id = eventId(master, context)
  const dtstartProperty = singleProperty(master, 'DTSTART')
  if (dtstartProperty === null) throw new CalendarInputError('ics', `ics: line ${master.line}: VEVENT has no DTSTART`)
  const start = place(dtstartProperty, readDateValue(dtstartProperty), context)
  const zone = start.kind === 'wall' ? start.zone : start.kind === 'instant' ? UTC_ZONE : allDayZone(master, context)
  const startWall = wallIn(start, zone)
  const timing = timingOf(master, start, startWall, zone, context)
  if (timing === null) return null

  const lineProperties: IcsProperty[] = []
  const lines: string[] = []
  const cancelled: OccurrenceException[] = []
  for (const p of master.properties) {
    if (p.name === 'RRULE' || p.name === 'EXRULE') {
      lines.push(`${p.name}:${formatRuleValue(parseRuleValue(rawValue(p), p.name, `ics: line ${p.line}`))}`)
      lineProperties.push(p)
    } else if (p.name === 'EXDATE' && p.property.getParameter(CANCELLED_PARAMETER) === 'TRUE') {
      for (const value of readDateValues(p)) cancelled.push({ kind: 'cancelled', originalStart: wallIn(place(p, value, context), zone) })
    } else if (p.name === 'RDATE' || p.name === 'EXDATE') {
      lines.push(dateLine(p, zone, context))
      lineProperties.push(p)
    }
  }
  const names = {
    dtstart: `ics: line ${dtstartProperty.line}: DTSTART`,
    zone: `ics: line ${dtstartProperty.line}: TZID`,
    line: (i: number) => `ics: line ${lineProperties[i]?.line ?? master.line}`,
    exception: (i: number) => `ics: line ${master.line}: exception ${i + 1}`,
  }
  const series = parseRecurrence({ dtstart: timing.start, zone, lines, exceptions: cancelled }, names)
  const exceptions = [...cancelled]
  const taken = new Set(cancelled.map((e) => toFloatingMs(e.originalStart)))
  const seriesMinutes = timing.kind === 'timed' ? timing.durationMinutes : null
  for (const override of overrides) {
    const exception = exceptionOf(override, zone, seriesMinutes, master, context)
    if (exception === null) continue
    const original = toFloatingMs(exception.originalStart)
    if (taken.has(original) || !series.hasOccurrenceAt(exception.originalStart)) {
      warnings.add(override.line, `the override of ${formatLocalDateTime(exception.originalStart)} was skipped: that is not an occurrence of the series, or it is overridden twice`)
      continue
    }
    taken.add(original)
    exceptions.push(exception)
  }

  const meetingIdProperty = singleProperty(master, MEETING_ID_PROPERTY.toUpperCase())
  const summary = singleProperty(master, 'SUMMARY')
  const event: CalendarEvent = {
    id,
    title: summary === null ? '' : readText(summary),
    zone,
    timing,
    transparency: transparencyOf(master),
    recurrence: lines.length === 0 && exceptions.length === 0 ? null : { lines, exceptions },
    meetingId: meetingIdProperty === null ? null : readText(meetingIdProperty),
  }
  return validateCalendarEvent(event, `ics: line ${master.line}: VEVENT`)
}

function eventId(master: IcsComponent, context: VeventImportContext): string {
  const uidProperty = singleProperty(master, 'UID')
  const uid = uidProperty === null ? '' : readText(uidProperty).trim()
  if (uid.length === 0) {
    context.warnings.add(master.line, 'the VEVENT has no UID; its id was made from its line number')
    return `ics-line-${master.line}`
  }
  const suffix = context.domain === null ? null : `@${context.domain}`
  return suffix !== null && uid.endsWith(suffix) && uid.length > suffix.length ? uid.slice(0, -suffix.length) : uid
}

function allDayZone(master: IcsComponent, context: VeventImportContext): string {
  const p = singleProperty(master, ALL_DAY_ZONE_PROPERTY.toUpperCase())
  if (p === null) return context.defaultZone
  const resolved = context.resolve(readText(p), p.line)
  return resolved.kind === 'iana' ? resolved.zone : context.defaultZone
}

function place(p: IcsProperty, value: IcsDateValue, context: VeventImportContext): Placed {
  switch (value.kind) {
    case 'date':
      return { kind: 'date', date: value.date }
    case 'utc':
      return { kind: 'instant', ms: toFloatingMs(value.local) }
    case 'local': {
      if (value.tzid === null) {
        context.warnings.repeated(p.line, `floating times (no TZID, no Z) were read in ${context.defaultZone}`)
        return { kind: 'wall', local: value.local, zone: context.defaultZone }
      }
      const resolved = context.resolve(value.tzid, p.line)
      return resolved.kind === 'iana'
        ? { kind: 'wall', local: value.local, zone: resolved.zone }
        : { kind: 'instant', ms: resolved.timeline.instantOf(toFloatingMs(value.local)) }
    }
  }
}

/** The wall clock in `zone` that a placed value names (a date: its midnight). */
function wallIn(placed: Placed, zone: string): LocalDateTime {
  switch (placed.kind) {
    case 'date':
      return placed.date
    case 'wall':
      return placed.zone === zone ? placed.local : instantToWallClock(wallClockToInstant(placed.local, placed.zone), zone)
    case 'instant':
      return instantToWallClock(placed.ms, zone)
  }
}

function instantOf(placed: Placed, zone: string): number {
  switch (placed.kind) {
    case 'date':
      return wallClockToInstant(placed.date, zone)
    case 'wall':
      return wallClockToInstant(placed.local, placed.zone)
    case 'instant':
      return placed.ms
  }
}

/** The event's timing from DTSTART and DTEND or DURATION; null (with a warning) for a zero-length event. */
function timingOf(component: IcsComponent, start: Placed, startWall: LocalDateTime, zone: string, context: VeventImportContext): EventTiming | null {
  const dtend = singleProperty(component, 'DTEND')
  const duration = singleProperty(component, 'DURATION')
  if (dtend !== null && duration !== null) throw propertyError(duration, 'DTEND and DURATION must not both be given')
  const end = dtend === null ? null : place(dtend, readDateValue(dtend), context)
  if (start.kind === 'date') {
    if (end !== null && end.kind !== 'date') throw propertyError(dtend as IcsProperty, 'DTSTART is a date, so DTEND must be one too')
    let days = 1
    if (end !== null) days = dayNumber(end.date) - dayNumber(start.date)
    else if (duration !== null) {
      const seconds = readDurationSeconds(duration)
      days = Math.ceil(seconds / DAY_SECONDS)
      if (seconds % DAY_SECONDS !== 0) context.warnings.add(duration.line, `an all-day DURATION of ${seconds} s was rounded up to ${days} day(s)`)
    }
    if (days <= 0) throw propertyError((dtend ?? duration) as IcsProperty, 'the event ends before it starts')
    return { kind: 'all-day', start: startWall, days }
  }
  if (end !== null && end.kind === 'date') throw propertyError(dtend as IcsProperty, 'DTSTART is a date-time, so DTEND must be one too')
  const startMs = instantOf(start, zone)
  const seconds = end !== null ? (instantOf(end, zone) - startMs) / 1000 : duration !== null ? readDurationSeconds(duration) : 0
  if (seconds < 0) throw propertyError((dtend ?? duration) as IcsProperty, 'the event ends before it starts')
  if (seconds === 0) {
    context.warnings.add(component.line, 'an event without length (no DTEND or DURATION, or equal to DTSTART) was skipped')
    return null
  }
  const minutes = Math.ceil(seconds / 60)
  if (seconds % 60 !== 0) context.warnings.add((dtend ?? duration ?? component).line, `a length of ${seconds} s was rounded up to ${minutes} minutes`)
  return { kind: 'timed', start: startWall, durationMinutes: minutes }
}

function transparencyOf(component: IcsComponent): Transparency {
  const text = (name: string): string => {
    const p = singleProperty(component, name)
    return p === null ? '' : readText(p).toUpperCase()
  }
  // Outlook says "show as" in its own property; TRANSP only knows busy or free.
  const outlook = text('X-MICROSOFT-CDO-BUSYSTATUS')
  if (text('TRANSP') === 'TRANSPARENT' || outlook === 'FREE') return 'free'
  if (text('STATUS') === 'TENTATIVE' || outlook === 'TENTATIVE') return 'tentative'
  return 'busy'
}

/**
 * An RDATE/EXDATE property as a stored recurrence line: values in the series' zone lose their
 * TZID (the stored form's default), others keep an IANA TZID, and times in a zone known only from
 * the file's VTIMEZONE are written in UTC.
 */
function dateLine(p: IcsProperty, zone: string, context: VeventImportContext): string {
  const values = readDateValues(p)
  if (values.every((v) => v.kind === 'date')) return `${p.name};VALUE=DATE:${values.map((v) => formatIcalDateValue(v)).join(',')}`
  const texts = values.map((value): { tzid: string | null; text: string } => {
    const placed = place(p, value, context)
    switch (placed.kind) {
      case 'date':
        throw propertyError(p, 'dates and date-times mixed in one property')
      case 'wall':
        return placed.zone === zone
          ? { tzid: null, text: formatIcalDateValue({ kind: 'local', local: placed.local }) }
          : { tzid: placed.zone, text: formatIcalDateValue({ kind: 'local', local: placed.local }) }
      case 'instant':
        return zone === UTC_ZONE
          ? { tzid: null, text: formatIcalDateValue({ kind: 'local', local: fromFloatingMs(placed.ms) }) }
          : { tzid: null, text: formatIcalDateValue({ kind: 'utc', local: fromFloatingMs(placed.ms) }) }
    }
  })
  const tzid = texts[0]?.tzid ?? null
  return `${p.name}${tzid === null ? '' : `;TZID=${tzid}`}:${texts.map((t) => t.text).join(',')}`
}

/** What an overriding VEVENT does to its occurrence; null when it changes nothing the calendar keeps. */
function exceptionOf(
  override: IcsComponent,
  zone: string,
  seriesMinutes: number | null,
  master: IcsComponent,
  context: VeventImportContext,
): OccurrenceException | null {
  const { warnings } = context
  noteDropped(override, context)
  const rid = singleProperty(override, 'RECURRENCE-ID') as IcsProperty
  if (String(rid.property.getParameter('range') ?? '').toUpperCase() === 'THISANDFUTURE') {
    warnings.add(rid.line, 'RANGE=THISANDFUTURE is not supported; the override was applied to this occurrence only')
  }
  // An all-day series' occurrences are whole days: only the date of a time says which.
  const inFrame = (t: LocalDateTime): LocalDateTime => (seriesMinutes === null ? { ...t, hour: 0, minute: 0, second: 0 } : t)
  const originalStart = inFrame(wallIn(place(rid, readDateValue(rid), context), zone))
  const status = singleProperty(override, 'STATUS')
  if (status !== null && readText(status).toUpperCase() === 'CANCELLED') return { kind: 'cancelled', originalStart }
  const titleOf = (c: IcsComponent): string => {
    const p = singleProperty(c, 'SUMMARY')
    return p === null ? '' : readText(p)
  }
  if (singleProperty(override, 'SUMMARY') !== null && titleOf(override) !== titleOf(master)) {
    warnings.repeated(override.line, 'an occurrence with its own SUMMARY keeps the series\' title')
  }
  const dtstartProperty = singleProperty(override, 'DTSTART')
  if (dtstartProperty === null) return null
  const placedStart = place(dtstartProperty, readDateValue(dtstartProperty), context)
  const start = inFrame(wallIn(placedStart, zone))
  let durationMinutes: number | undefined
  if (seriesMinutes !== null) {
    const timing = timingOf(override, placedStart, start, zone, context)
    const minutes = timing?.kind === 'timed' ? timing.durationMinutes : seriesMinutes
    if (minutes !== seriesMinutes) durationMinutes = minutes
  }
  if (toFloatingMs(start) === toFloatingMs(originalStart) && durationMinutes === undefined) return null
  return durationMinutes === undefined ? { kind: 'moved', originalStart, start } : { kind: 'moved', originalStart, start, durationMinutes }
}

/** Warns once per kind about what a VEVENT carries that the calendar has no place for. */
function noteDropped(component: IcsComponent, context: VeventImportContext): void {
  for (const p of component.properties) {
    if (HANDLED.has(p.name) || p.name.startsWith('X-')) continue
    context.warnings.repeated(p.line, `${p.name} is not imported (an event keeps its time, title and show-as only)`)
  }
  for (const c of component.components) {
    context.warnings.repeated(c.line, c.name === 'VALARM' ? 'VALARM (reminder) is not imported' : `${c.name} inside a VEVENT is not imported`)
  }
}
