/**
 * Between the calendar's RPC views and the iCalendar library's domain types: a stored event or a
 * meeting as the library exports it, and an imported event as the event.add request that stores it.
 */
import type { CalendarEvent } from '../src/calendar/availability/calendar-event.js'
import type { OccurrenceException } from '../src/calendar/recurrence/index.js'
import { formatLocalDateTime, parseLocalDateTime } from '../src/calendar/time/local-date-time.js'
import { instantToWallClock } from '../src/calendar/time/time-zone.js'
import type { CalendarMethods, ExceptionView, MeetingView, StoredEventView } from '../src/calendar-service/calendar-api.js'
import { exceptionView } from '../src/calendar-service/calendar-views.js'
import type { MeetingForExport } from '../src/ical/index.js'

export function calendarEventOf(view: StoredEventView): CalendarEvent {
  const start = parseLocalDateTime(view.localStart, `event ${view.id}`)
  const exceptions = view.exceptions.map((e) => exceptionOf(e, view.id))
  return {
    id: view.id,
    title: view.title,
    zone: view.tz,
    timing: view.allDayDays !== null ? { kind: 'all-day', start, days: view.allDayDays } : { kind: 'timed', start, durationMinutes: view.durationMinutes ?? 0 },
    transparency: view.transparency,
    recurrence: view.rules.length === 0 && exceptions.length === 0 ? null : { lines: view.rules, exceptions },
    meetingId: view.meetingId,
  }
}

function exceptionOf(view: ExceptionView, eventId: string): OccurrenceException {
  const field = `event ${eventId} exception`
  const originalStart = parseLocalDateTime(view.originalStart, field)
  if (view.kind === 'cancelled') return { kind: 'cancelled', originalStart }
  const moved = { kind: 'moved' as const, originalStart, start: parseLocalDateTime(view.start, field) }
  return view.durationMinutes === undefined ? moved : { ...moved, durationMinutes: view.durationMinutes }
}

export function meetingForExport(view: MeetingView): MeetingForExport {
  return {
    id: view.id,
    organizer: view.organizer,
    required: view.attendees,
    optional: view.optional,
    title: view.title,
    zone: view.tz,
    start: instantToWallClock(Date.parse(view.start), view.tz),
    durationMinutes: view.durationMinutes,
    lines: view.rules,
    cancelledOccurrences: view.cancelledOccurrences.map((instant) => instantToWallClock(Date.parse(instant), view.tz)),
    movedOccurrences: view.movedOccurrences.map((moved) => ({
      originalStart: instantToWallClock(Date.parse(moved.originalStart), view.tz),
      start: instantToWallClock(Date.parse(moved.start), view.tz),
      durationMinutes: (Date.parse(moved.end) - Date.parse(moved.start)) / 60_000,
    })),
    status: view.status,
    responses: view.responses,
  }
}

/** The event.add request (event.import adds the UID) that stores an imported event in `user`'s calendar. */
export function eventAddParams(user: string, event: CalendarEvent): CalendarMethods['event.add']['params'] {
  const { timing } = event
  return {
    user,
    start: formatLocalDateTime(timing.start),
    ...(timing.kind === 'timed' ? { durationMinutes: timing.durationMinutes } : { days: timing.days }),
    tz: event.zone,
    title: event.title,
    transparency: event.transparency,
    ...(event.recurrence === null
      ? {}
      : {
          rules: [...event.recurrence.lines],
          exceptions: event.recurrence.exceptions.map(exceptionView),
        }),
  }
}
