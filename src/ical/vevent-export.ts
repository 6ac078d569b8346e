import type { CalendarEvent, Transparency } from '../calendar/availability/calendar-event.js'
import { addDays } from '../calendar/availability/local-date.js'
import { parseContentLine, type DateEntry } from '../calendar/recurrence/content-line.js'
import type { OccurrenceException } from '../calendar/recurrence/index.js'
import type { IcalDateValue } from '../calendar/recurrence/ical-date-value.js'
import { formatRuleValue, type RuleValue } from '../calendar/recurrence/rule-value.js'
import { fromFloatingMs, toFloatingMs, type LocalDateTime } from '../calendar/time/local-date-time.js'
import { instantToWallClock, wallClockToInstant } from '../calendar/time/time-zone.js'
import { jcalDate, jcalLocalDateTime, jcalRecur, jcalUtcDateTime, type JcalComponent, type JcalProperty } from './jcal.js'

/** Property names of the project's own facts that RFC 5545 has no place for; other programs ignore X- names. */
export const MEETING_ID_PROPERTY = 'x-dms-meeting-id'
/** The zone of an all-day event, whose DATE values carry none. */
export const ALL_DAY_ZONE_PROPERTY = 'x-dms-tzid'
/** Marks EXDATEs that are cancelled occurrences (OccurrenceException), not exclusions written in the rule. */
export const CANCELLED_PARAMETER = 'x-dms-cancelled'

/** The zone whose events are written in UTC ('...Z') and need no VTIMEZONE. */
export const UTC_ZONE = 'UTC'

const MINUTE_MS = 60_000
const SECOND_MS = 1000

export interface VeventContext {
  /** UIDs are '<event id>@<domain>'. */
  readonly domain: string
  /** DTSTAMP value (jCal UTC date-time). */
  readonly dtstamp: string
  /** Collects every zone a TZID parameter names, for the VTIMEZONEs. */
  readonly zones: Set<string>
}

/**
 * The VEVENTs of one event: the series (or single event) and one overriding VEVENT per moved
 * occurrence (same UID, RECURRENCE-ID = its original start). Cancelled occurrences are EXDATEs,
 * marked so that an import gives them back as cancelled occurrences.
 */
export function veventsOf(event: CalendarEvent, context: VeventContext, extra: readonly JcalProperty[] = []): JcalComponent[] {
  const writer = new EventTimes(event, context.zones)
  const uid = `${event.id}@${context.domain}`
  const common = (): JcalProperty[] => [
    ['uid', {}, 'text', uid],
    ['dtstamp', {}, 'date-time', context.dtstamp],
    ['summary', {}, 'text', event.title],
    ...transparencyProperties(event.transparency),
    ...(event.timing.kind === 'all-day' ? [[ALL_DAY_ZONE_PROPERTY, {}, 'unknown', event.zone] satisfies JcalProperty] : []),
    ...(event.meetingId === null ? [] : [[MEETING_ID_PROPERTY, {}, 'unknown', event.meetingId] satisfies JcalProperty]),
    ...extra,
  ]
  const exceptions = event.recurrence?.exceptions ?? []
  const cancelled = exceptions.filter((e) => e.kind === 'cancelled').map((e) => e.originalStart)
  const master: JcalProperty[] = [
    ...common(),
    ...writer.span(event.timing.start, null),
    ...(event.recurrence?.lines ?? []).flatMap((line) => writer.recurrenceLine(line)),
    ...(cancelled.length === 0 ? [] : [writer.dates('exdate', cancelled, { [CANCELLED_PARAMETER]: 'TRUE' })]),
  ]
  const overrides = exceptions.flatMap((e): JcalComponent[] =>
    e.kind === 'moved' ? [['vevent', [...common(), writer.dates('recurrence-id', [e.originalStart]), ...writer.span(e.start, e)], []]] : [],
  )
  return [['vevent', master, []], ...overrides]
}

function transparencyProperties(transparency: Transparency): JcalProperty[] {
  switch (transparency) {
    case 'busy':
      return [['transp', {}, 'text', 'OPAQUE']]
    case 'tentative':
      return [['transp', {}, 'text', 'OPAQUE'], ['status', {}, 'text', 'TENTATIVE']]
    case 'free':
      return [['transp', {}, 'text', 'TRANSPARENT']]
  }
}

/**
 * Writes an event's times the way RFC 5545 wants them for its kind: all-day events in DATE
 * values, events in UTC with 'Z', others as wall time with TZID (and UNTIL in UTC).
 */
class EventTimes {
  readonly #event: CalendarEvent
  readonly #zones: Set<string>
  readonly #form: 'date' | 'utc' | 'zoned'

  constructor(event: CalendarEvent, zones: Set<string>) {
    this.#event = event
    this.#zones = zones
    this.#form = event.timing.kind === 'all-day' ? 'date' : event.zone === UTC_ZONE ? 'utc' : 'zoned'
  }

  /** DTSTART and DTEND of the series, or of a moved occurrence (its own length, else the series'). */
  span(start: LocalDateTime, moved: (OccurrenceException & { kind: 'moved' }) | null): JcalProperty[] {
    const { timing, zone } = this.#event
    if (timing.kind === 'all-day') {
      return [this.dates('dtstart', [start]), this.dates('dtend', [addDays(start, timing.days)])]
    }
    const startMs = wallClockToInstant(start, zone)
    const endMs = startMs + (moved?.durationMinutes ?? timing.durationMinutes) * MINUTE_MS
    const endWall = instantToWallClock(endMs, zone)
    // An end in the second pass of a fall-back hour has no wall-clock name of its own: say it in UTC.
    const dtend: JcalProperty =
      this.#form === 'zoned' && wallClockToInstant(endWall, zone) !== endMs
        ? ['dtend', {}, 'date-time', jcalUtcDateTime(endMs)]
        : this.dates('dtend', [endWall])
    return [this.dates('dtstart', [start]), dtend]
  }

  /** Wall-clock values of the event's own zone as one property in the event's form. */
  dates(name: string, values: readonly (LocalDateTime | { year: number; month: number; day: number })[], parameters: Record<string, string> = {}): JcalProperty {
    const walls = values.map((v): LocalDateTime => ({ hour: 0, minute: 0, second: 0, ...v }))
    switch (this.#form) {
      case 'date':
        return [name, { ...parameters }, 'date', ...walls.map(jcalDate)]
      case 'utc':
        return [name, { ...parameters }, 'date-time', ...walls.map((w) => `${jcalLocalDateTime(w)}Z`)]
      case 'zoned':
        this.#zones.add(this.#event.zone)
        return [name, { ...parameters, tzid: this.#event.zone }, 'date-time', ...walls.map(jcalLocalDateTime)]
    }
  }

  /** One stored RRULE/EXRULE/RDATE/EXDATE line as properties that say the same in RFC 5545 terms. */
  recurrenceLine(text: string): JcalProperty[] {
    const line = parseContentLine(text, 'recurrence line')
    switch (line.name) {
      case 'RRULE':
      case 'EXRULE':
        return [jcalRecur(line.name === 'RRULE' ? 'rrule' : 'exrule', formatRuleValue(this.#conformingUntil(line.rule)))]
      case 'RDATE':
      case 'EXDATE':
        return this.#dateProperties(line.name === 'RDATE' ? 'rdate' : 'exdate', line.dates)
    }
  }

  #dateProperties(name: string, entries: readonly DateEntry[]): JcalProperty[] {
    // Entries that need different parameters go to separate properties, in order.
    const groups: { key: string; properties: JcalProperty }[] = []
    for (const entry of entries) {
      const property = this.#dateEntry(name, entry)
      const key = JSON.stringify([property[1], property[2]])
      const last = groups[groups.length - 1]
      if (last !== undefined && last.key === key) last.properties.push(...property.slice(3))
      else groups.push({ key, properties: property })
    }
    return groups.map((g) => g.properties)
  }

  #dateEntry(name: string, entry: DateEntry): JcalProperty {
    switch (entry.kind) {
      case 'date':
        return [name, {}, 'date', jcalDate(entry.date)]
      case 'local':
        return this.dates(name, [entry.local])
      case 'zoned':
        this.#zones.add(entry.zone)
        return [name, { tzid: entry.zone }, 'date-time', jcalLocalDateTime(entry.local)]
      case 'utc':
        return [name, {}, 'date-time', `${jcalLocalDateTime(entry.local)}Z`]
    }
  }

  /**
   * RFC 5545 3.3.10: UNTIL is a DATE when DTSTART is, and in UTC when DTSTART has a TZID. A stored
   * wall-clock UNTIL becomes the instant of that reading (the same bound except for a reading
   * inside a DST gap); a stored DATE UNTIL covers its whole local day.
   */
  #conformingUntil(rule: RuleValue): RuleValue {
    const end = rule.end
    if (end.kind !== 'until') return rule
    const { zone } = this.#event
    const until = end.until
    let conforming: IcalDateValue
    if (this.#form === 'date') {
      const wall = until.kind === 'utc' ? instantToWallClock(toFloatingMs(until.local), zone) : until.kind === 'date' ? until.date : until.local
      conforming = { kind: 'date', date: { year: wall.year, month: wall.month, day: wall.day, hour: 0, minute: 0, second: 0 } }
    } else if (until.kind === 'utc') {
      conforming = until
    } else {
      const lastWall = until.kind === 'date' ? { ...until.date, hour: 23, minute: 59, second: 59 } : until.local
      conforming = { kind: 'utc', local: fromFloatingMs(Math.floor(wallClockToInstant(lastWall, zone) / SECOND_MS) * SECOND_MS) }
    }
    return { ...rule, end: { kind: 'until', until: conforming } }
  }
}
