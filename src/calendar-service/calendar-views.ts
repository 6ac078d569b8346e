/** How stored records are shown to clients: instants as UTC ISO strings, schedules merged. */
import { mergeSchedules } from '../calendar/availability/work-schedule.js'
import { expandEvent, type EventOccurrence } from '../calendar/availability/event-occurrences.js'
import { formatLocalDateTime } from '../calendar/time/local-date-time.js'
import type { OccurrenceException } from '../calendar/recurrence/index.js'
import { formatInstantUtc, wallClockToInstant } from '../calendar/time/time-zone.js'
import type { OfficeCalendarSettings } from './calendar-apply-context.js'
import type { BookingResult, CancelResult, ConflictView, EventView, ExceptionView, MeetingView, StoredEventView, UserView } from './calendar-api.js'
import type { BookingOutcome, TimeConflict } from './calendar-command.js'
import type { MeetingRecord, StoredEvent, UserRecord } from './calendar-records.js'
import { meetingEvent } from './meeting-occurrences.js'

export function userView(user: UserRecord, office: OfficeCalendarSettings): UserView {
  return { id: user.id, office: user.office, tz: user.schedule.zone, version: user.version, schedule: mergeSchedules(office.schedule, user.schedule, 'user') }
}

export function conflictView(c: TimeConflict): ConflictView {
  return {
    user: c.user,
    start: formatInstantUtc(c.startMs),
    end: formatInstantUtc(c.endMs),
    eventId: c.source === 'event' ? c.sourceId : null,
    holdId: c.source === 'hold' ? c.sourceId : null,
    meetingStart: formatInstantUtc(c.meetingStartMs),
  }
}

export function bookingResult(outcome: BookingOutcome): BookingResult {
  if (outcome.status === 'conflict') return { id: null, status: 'conflict', conflicts: outcome.conflicts.map(conflictView) }
  const { meeting } = outcome
  return {
    id: meeting.id,
    status: 'booked',
    version: meeting.version,
    warnings: meeting.warnings,
    conflicts: outcome.warnings.map(conflictView),
    notified: outcome.notified,
  }
}

export function cancelResult(meeting: MeetingRecord, occurrenceStartMs: number | null, notified: readonly string[]): CancelResult {
  return { id: meeting.id, status: 'cancelled', occurrence: occurrenceStartMs === null ? null : formatInstantUtc(occurrenceStartMs), notified, version: meeting.version }
}

export function meetingView(meeting: MeetingRecord): MeetingView {
  const startMs = wallClockToInstant(meeting.start, meeting.zone)
  const firstOccurrence = expandEvent({ ...meetingEvent(meeting, 'busy'), recurrence: null }, { start: startMs - 1, end: startMs + 1 })[0]
  return {
    id: meeting.id,
    status: meeting.status,
    organizer: meeting.organizer,
    attendees: meeting.required,
    optional: meeting.optional,
    title: meeting.title,
    tz: meeting.zone,
    start: formatInstantUtc(firstOccurrence?.startMs ?? startMs),
    end: formatInstantUtc(firstOccurrence?.endMs ?? startMs + meeting.durationMinutes * 60_000),
    durationMinutes: meeting.durationMinutes,
    rules: meeting.lines,
    cancelledOccurrences: meeting.cancelledOccurrences.map((t) => formatInstantUtc(wallClockToInstant(t, meeting.zone))),
    movedOccurrences: meeting.movedOccurrences.map((m) => {
      const startMs = wallClockToInstant(m.start, meeting.zone)
      return { originalStart: formatInstantUtc(wallClockToInstant(m.originalStart, meeting.zone)), start: formatInstantUtc(startMs), end: formatInstantUtc(startMs + m.durationMinutes * 60_000) }
    }),
    responses: meeting.responses,
    warnings: meeting.warnings,
    version: meeting.version,
  }
}

export function occurrenceView(stored: StoredEvent, occurrence: EventOccurrence): EventView {
  return {
    id: stored.event.id,
    title: stored.event.title,
    start: formatInstantUtc(occurrence.startMs),
    end: formatInstantUtc(occurrence.endMs),
    meetingId: stored.event.meetingId,
    transparency: occurrence.transparency,
  }
}

export function storedEventView(stored: StoredEvent): StoredEventView {
  const { event } = stored
  return {
    id: event.id,
    user: stored.owner,
    title: event.title,
    tz: event.zone,
    localStart: formatLocalDateTime(event.timing.start),
    start: formatInstantUtc(wallClockToInstant(event.timing.start, event.zone)),
    durationMinutes: event.timing.kind === 'timed' ? event.timing.durationMinutes : null,
    allDayDays: event.timing.kind === 'all-day' ? event.timing.days : null,
    rules: event.recurrence?.lines ?? [],
    exceptions: (event.recurrence?.exceptions ?? []).map(exceptionView),
    transparency: event.transparency,
    meetingId: event.meetingId,
    version: stored.version,
  }
}

/** An occurrence exception with its wall times as text: what event.list shows and event.add takes. */
export function exceptionView(exception: OccurrenceException): ExceptionView {
  const originalStart = formatLocalDateTime(exception.originalStart)
  if (exception.kind === 'cancelled') return { kind: 'cancelled', originalStart }
  const moved = { kind: 'moved' as const, originalStart, start: formatLocalDateTime(exception.start) }
  return exception.durationMinutes === undefined ? moved : { ...moved, durationMinutes: exception.durationMinutes }
}
