/**
 * The calendars a suggestion is computed over, wherever the attendees live: this office's people
 * with their events (so conflicts can name them), other offices' people as the merged busy and
 * working intervals their office answers (through the fan-out and its cache).
 */
import type { OfficeCalendarSettings } from '../calendar-service/calendar-apply-context.js'
import { attendeeCalendar } from '../calendar-service/calendar-queries.js'
import type { UserRecord } from '../calendar-service/calendar-records.js'
import { readUser, type BulkKeyspaceReader } from '../calendar-service/calendar-store.js'
import type { Interval } from '../calendar/intervals/interval-set.js'
import type { AttendeeCalendar } from '../calendar/suggestions/meeting-request.js'
import type { AskedUser, FreeBusyFanOut } from './free-busy-fan-out.js'
import { intervalsCalendar } from './intervals-calendar.js'

export interface AttendeeCalendarSources {
  readonly store: BulkKeyspaceReader
  readonly office: OfficeCalendarSettings
  readonly fanOut: FreeBusyFanOut
}

/** Calendars of the organizer (a person of this office) and of every attendee, in that order. */
export async function attendeeCalendarsAnywhere(
  sources: AttendeeCalendarSources,
  organizer: UserRecord,
  attendees: readonly AskedUser[],
  span: Interval,
  maxStalenessMs: number | null,
): Promise<AttendeeCalendar[]> {
  const { store, office, fanOut } = sources
  const records = await Promise.all(attendees.map((a) => readUser(store, a.id)))
  const away = attendees.filter((_, i) => records[i] === null)
  const remote = away.length === 0 ? new Map() : (await fanOut.freeBusy(away, span, maxStalenessMs)).users
  const local = records.filter((r): r is UserRecord => r !== null)
  const localCalendars = await Promise.all([organizer, ...local].map((u) => attendeeCalendar(store, u, office)))
  return [...localCalendars, ...away.map((a) => intervalsCalendar(remote.get(a.id)!))]
}
