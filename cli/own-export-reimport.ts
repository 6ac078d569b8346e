/**
 * An .ics file this project exported, imported back into the calendar it came from. Its UIDs are
 * '<event id>@<domain>' and the person already holds those events, made here (event add, a
 * meeting), so no import index names them: each is found by its id instead, kept when the file
 * has it as stored, updated when the file changed it. A meeting's event changes only through the
 * meeting (dms meeting move), so a file that differs from it is older than the meeting.
 */
import { isDeepStrictEqual } from 'node:util'
import type { CalendarEvent } from '../src/calendar/availability/calendar-event.js'
import type { StoredEventView } from '../src/calendar-service/calendar-api.js'
import { calendarEventOf } from './ical-records.js'

export type OwnEventMatch =
  | { readonly kind: 'same'; readonly view: StoredEventView }
  | { readonly kind: 'changed'; readonly view: StoredEventView }

/** The stored event an imported one is, when its UID named it; null for any other event. */
export function matchOwnEvent(event: CalendarEvent, uid: string, stored: ReadonlyMap<string, StoredEventView>): OwnEventMatch | null {
  // The importer strips '@<domain>' only from this project's UIDs: an id equal to its UID is foreign.
  if (event.id === uid) return null
  const view = stored.get(event.id)
  if (view === undefined) return null
  return { kind: isDeepStrictEqual(content(calendarEventOf(view)), content(event)) ? 'same' : 'changed', view }
}

/** What the calendar keeps of an event, as plain data; exceptions in a fixed order. */
function content({ title, zone, timing, transparency, recurrence }: CalendarEvent): unknown {
  const exceptions = (recurrence?.exceptions ?? []).map((e) => JSON.stringify(e)).sort()
  return JSON.parse(JSON.stringify({ title, zone, timing, transparency, lines: recurrence?.lines ?? [], exceptions }))
}
