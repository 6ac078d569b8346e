import type { CalendarEvent } from '../calendar/availability/calendar-event.js'
import { requireZone } from '../calendar/time/time-zone.js'
import { readIcsDocument, type IcsComponent } from './ics-document.js'
import { propertiesNamed, readDateValue, readText, singleProperty } from './ics-values.js'
import { identityOf, type IcalIdentity } from './import-identity.js'
import { ImportWarnings, type ImportWarning } from './import-warnings.js'
import { eventFromVevents, type VeventImportContext } from './vevent-import.js'
import { resolveTzid, type ResolvedZone } from './zone-resolution.js'

export interface ImportOptions {
  /** Zone of floating times and all-day events when the file names none: the person's zone. */
  readonly defaultZone: string
  /** UIDs '<id>@<domain>' (what exportCalendar writes) give back '<id>'; other UIDs are ids as they are. */
  readonly domain?: string
  /** Largest accepted file, in characters; default 10 MiB. */
  readonly maxChars?: number
  /** Most components (BEGIN lines) accepted; default 50 000. */
  readonly maxComponents?: number
}

export interface ImportResult {
  readonly events: CalendarEvent[]
  /** Per event id: what identifies the event at the next import of the file (absent for a VEVENT without UID). */
  readonly identities: ReadonlyMap<string, IcalIdentity>
  /** What could not be kept or was reinterpreted, each naming its line. */
  readonly warnings: ImportWarning[]
}

export const DEFAULT_MAX_CHARS = 10 * 1024 * 1024
export const DEFAULT_MAX_COMPONENTS = 50_000

/**
 * Reads an .ics file into calendar events. Malformed input is a CalendarInputError (field 'ics')
 * whose message names the line and property; what is valid but has no place in the calendar
 * (reminders, attendees, cancelled events, ...) is dropped with a warning.
 */
export function importCalendar(text: string, options: ImportOptions): ImportResult {
  const personZone = requireZone(options.defaultZone, 'defaultZone')
  const calendars = readIcsDocument(text, {
    maxChars: options.maxChars ?? DEFAULT_MAX_CHARS,
    maxComponents: options.maxComponents ?? DEFAULT_MAX_COMPONENTS,
  })
  const warnings = new ImportWarnings()
  const events: CalendarEvent[] = []
  const identities = new Map<string, IcalIdentity>()
  const ids = new Set<string>()
  for (const calendar of calendars) {
    for (const { event, identity } of importOne(calendar, personZone, options.domain ?? null, warnings)) {
      if (ids.has(event.id)) {
        warnings.add(calendar.line, `a second event with UID "${event.id}" was skipped`)
        continue
      }
      ids.add(event.id)
      events.push(event)
      if (identity !== null) identities.set(event.id, identity)
    }
  }
  return { events, identities, warnings: warnings.list() }
}

interface ImportedEvent {
  readonly event: CalendarEvent
  readonly identity: IcalIdentity | null
}

function importOne(calendar: IcsComponent, personZone: string, domain: string | null, warnings: ImportWarnings): ImportedEvent[] {
  const calscale = singleProperty(calendar, 'CALSCALE')
  if (calscale !== null && readText(calscale).toUpperCase() !== 'GREGORIAN') {
    warnings.add(calscale.line, `CALSCALE:${readText(calscale)} is not supported; dates were read as Gregorian`)
  }
  const vtimezones = new Map<string, IcsComponent>()
  const vevents: IcsComponent[] = []
  for (const component of calendar.components) {
    if (component.name === 'VTIMEZONE') {
      const tzid = singleProperty(component, 'TZID')
      if (tzid !== null) vtimezones.set(readText(tzid), component)
    } else if (component.name === 'VEVENT') {
      vevents.push(component)
    } else {
      warnings.repeated(component.line, `${component.name} is not imported (only events are)`)
    }
  }

  // Zones defined by rules are matched over the years the events start in.
  const years = vevents.flatMap((v) => propertiesNamed(v, 'DTSTART').map((p) => readDateValue(p))).map((d) => (d.kind === 'date' ? d.date.year : d.local.year))
  const fromYear = Math.min(...years, 9998) - 1
  const toYear = Math.max(...years, 2) + 1
  const resolved = new Map<string, ResolvedZone>()
  const resolve = (tzid: string, line: number): ResolvedZone => {
    let zone = resolved.get(tzid)
    if (zone === undefined) {
      zone = resolveTzid(tzid, vtimezones.get(tzid), Math.max(1, fromYear), Math.min(9999, toYear), line)
      resolved.set(tzid, zone)
      if (zone.note !== null) warnings.add(line, zone.note)
    }
    return zone
  }

  let defaultZone = personZone
  const calendarZone = singleProperty(calendar, 'X-WR-TIMEZONE')
  if (calendarZone !== null) {
    const zone = resolve(readText(calendarZone), calendarZone.line)
    if (zone.kind === 'iana') defaultZone = zone.zone
  }
  const context: VeventImportContext = { defaultZone, domain, resolve, warnings }

  // A series and the VEVENTs that override its occurrences share a UID; they may come in any order.
  const byUid = new Map<string, { masters: IcsComponent[]; overrides: IcsComponent[] }>()
  for (const vevent of vevents) {
    const uidProperty = singleProperty(vevent, 'UID')
    const uid = uidProperty === null ? `line ${vevent.line}` : readText(uidProperty)
    let group = byUid.get(uid)
    if (group === undefined) {
      group = { masters: [], overrides: [] }
      byUid.set(uid, group)
    }
    if (singleProperty(vevent, 'RECURRENCE-ID') === null) group.masters.push(vevent)
    else group.overrides.push(vevent)
  }

  const events: ImportedEvent[] = []
  for (const { masters, overrides } of byUid.values()) {
    const [master, ...duplicates] = masters
    for (const duplicate of duplicates) warnings.add(duplicate.line, 'a second VEVENT with the same UID and no RECURRENCE-ID was skipped')
    if (master === undefined) {
      // Only single occurrences were shared (an invitation to one of them): each stands alone.
      for (const orphan of overrides) {
        warnings.add(orphan.line, 'an occurrence whose series is not in the file was imported as a single event')
        const event = eventFromVevents({ ...orphan, properties: orphan.properties.filter((p) => p.name !== 'RECURRENCE-ID') }, [], context)
        const identity = identityOf([orphan], orphan)
        // The occurrence's RECURRENCE-ID tells it from the series' other occurrences in this and later files.
        if (event !== null) events.push({ event: { ...event, id: `${event.id}#${identity?.recurrenceId ?? orphan.line}` }, identity })
      }
      continue
    }
    const event = eventFromVevents(master, overrides, context)
    if (event !== null) events.push({ event, identity: identityOf([master, ...overrides], null) })
  }
  return events
}
