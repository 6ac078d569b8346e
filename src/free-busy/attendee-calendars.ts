/**
 * The calendars a suggestion or a conflict report is computed over, wherever the attendees live:
 * people with their events, or as the merged busy and working intervals their office answers
 * (through the fan-out, which reads this office's people locally and caches other offices').
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

/**
 * Whose events a computation sees: `this-office` (suggestions: this office's people with their
 * events, others as free/busy) or `organizer-only` (conflict reports, which name event ids: every
 * attendee as free/busy wherever they live, so the report is the same whichever office computes it).
 */
export type EventDetail = 'this-office' | 'organizer-only'

/** Calendars of the organizer (a person of this office) and of every attendee, in that order. */
export async function attendeeCalendarsAnywhere(
  sources: AttendeeCalendarSources,
  organizer: UserRecord,
  attendees: readonly AskedUser[],
  span: Interval,
  maxStalenessMs: number | null,
  detail: EventDetail = 'this-office',
): Promise<AttendeeCalendar[]> {
  const { store, office, fanOut } = sources
  const records = detail === 'this-office' ? await Promise.all(attendees.map((a) => readUser(store, a.id))) : attendees.map(() => null)
  const away = attendees.filter((_, i) => records[i] === null)
  const remote = away.length === 0 ? new Map() : (await fanOut.freeBusy(away, span, maxStalenessMs)).users
  const local = records.filter((r): r is UserRecord => r !== null)
  const localCalendars = await Promise.all([organizer, ...local].map((u) => attendeeCalendar(store, u, office)))
  return [...localCalendars, ...away.map((a) => intervalsCalendar(remote.get(a.id)!))]
}
