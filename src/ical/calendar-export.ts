import type { CalendarEvent } from '../calendar/availability/calendar-event.js'
import type { OccurrenceException } from '../calendar/recurrence/index.js'
import type { LocalDateTime } from '../calendar/time/local-date-time.js'
import { requireZone } from '../calendar/time/time-zone.js'
import { addressOf, PRODUCT_ID, type ExportContext } from './export-context.js'
import { jcalUtcDateTime, stringifyCalendar, type JcalComponent, type JcalProperty } from './jcal.js'
import { veventsOf } from './vevent-export.js'
import { vtimezoneFor } from './vtimezone-export.js'

/** A meeting as the scheduler keeps it (the fields of the office's meeting record that iCalendar can say). */
export interface MeetingForExport {
  readonly id: string
  readonly organizer: string
  readonly required: readonly string[]
  readonly optional: readonly string[]
  readonly title: string
  readonly zone: string
  readonly start: LocalDateTime
  readonly durationMinutes: number
  readonly lines: readonly string[]
  readonly cancelledOccurrences: readonly LocalDateTime[]
  /** Occurrences moved on their own: each becomes an overriding VEVENT (same UID, RECURRENCE-ID = its original start). */
  readonly movedOccurrences?: readonly { readonly originalStart: LocalDateTime; readonly start: LocalDateTime; readonly durationMinutes: number }[]
  readonly status: 'booked' | 'cancelled'
  readonly responses?: Readonly<Record<string, 'needs-action' | 'accepted' | 'declined' | 'tentative'>>
}

/** Years after the last event start that VTIMEZONEs are scanned; their yearly rules cover the rest. */
const ZONE_YEARS_AHEAD = 2

/** A person's calendar as one VCALENDAR (PUBLISH): every event, with a VTIMEZONE for each zone used. */
export function exportCalendar(owner: { readonly id: string; readonly zone: string }, events: readonly CalendarEvent[], context: ExportContext): string {
  requireZone(owner.zone, 'owner.zone')
  const header: JcalProperty[] = [
    ['x-wr-calname', {}, 'unknown', owner.id],
    ['x-wr-timezone', {}, 'unknown', owner.zone],
  ]
  return calendarText(header, events.map((event) => ({ event, extra: [] })), context)
}

/** One meeting as a VCALENDAR (PUBLISH) with its organizer, attendees and their answers. */
export function exportMeeting(meeting: MeetingForExport, context: ExportContext): string {
  requireZone(meeting.zone, 'meeting.zone')
  const exceptions: OccurrenceException[] = [
    ...meeting.cancelledOccurrences.map((originalStart) => ({ kind: 'cancelled' as const, originalStart })),
    ...(meeting.movedOccurrences ?? []).map((moved) => ({ kind: 'moved' as const, ...moved })),
  ]
  const event: CalendarEvent = {
    id: meeting.id,
    title: meeting.title,
    zone: meeting.zone,
    timing: { kind: 'timed', start: meeting.start, durationMinutes: meeting.durationMinutes },
    transparency: 'busy',
    recurrence: meeting.lines.length === 0 && exceptions.length === 0 ? null : { lines: meeting.lines, exceptions },
    meetingId: meeting.id,
  }
  const attendee = (user: string, role: string): JcalProperty => [
    'attendee',
    { cn: user, role, partstat: (meeting.responses?.[user] ?? 'needs-action').toUpperCase() },
    'cal-address',
    addressOf(context, user),
  ]
  const extra: JcalProperty[] = [
    ['status', {}, 'text', meeting.status === 'cancelled' ? 'CANCELLED' : 'CONFIRMED'],
    ['organizer', { cn: meeting.organizer }, 'cal-address', addressOf(context, meeting.organizer)],
    ...meeting.required.map((user) => attendee(user, 'REQ-PARTICIPANT')),
    ...meeting.optional.map((user) => attendee(user, 'OPT-PARTICIPANT')),
  ]
  return calendarText([], [{ event, extra }], context)
}

function calendarText(header: readonly JcalProperty[], items: readonly { event: CalendarEvent; extra: readonly JcalProperty[] }[], context: ExportContext): string {
  const zones = new Set<string>()
  const dtstamp = jcalUtcDateTime(context.now())
  const vevents = items.flatMap(({ event, extra }) => veventsOf(event, { domain: context.domain, dtstamp, zones }, extra))
  const years = items.flatMap(({ event }) => [
    event.timing.start.year,
    ...(event.recurrence?.exceptions ?? []).flatMap((e) => (e.kind === 'moved' ? [e.originalStart.year, e.start.year] : [e.originalStart.year])),
  ])
  const fromYear = Math.max(1, Math.min(...years) - 1)
  const toYear = Math.min(9998, Math.max(...years) + ZONE_YEARS_AHEAD)
  const vtimezones = [...zones].sort().map((zone) => vtimezoneFor(zone, fromYear, toYear))
  const calendar: JcalComponent = [
    'vcalendar',
    [
      ['prodid', {}, 'text', PRODUCT_ID],
      ['version', {}, 'text', '2.0'],
      ['calscale', {}, 'text', 'GREGORIAN'],
      ['method', {}, 'text', 'PUBLISH'],
      ...header,
    ],
    [...vtimezones, ...vevents],
  ]
  return stringifyCalendar(calendar)
}
