/**
 * A meeting seen as calendar events: the event each attendee's calendar gets, and the meeting's
 * occurrences within the conflict-check horizon.
 */
import type { CalendarEvent, Transparency } from '../calendar/availability/calendar-event.js'
import { expandEvent, type EventOccurrence } from '../calendar/availability/event-occurrences.js'
import type { OccurrenceException } from '../calendar/recurrence/index.js'
import type { MeetingRecord } from './calendar-records.js'

/** How far past its first occurrence a recurring meeting is checked for conflicts. */
export const CONFLICT_HORIZON_MS = 365 * 86_400_000

export type MeetingShape = Pick<MeetingRecord, 'id' | 'title' | 'zone' | 'start' | 'durationMinutes' | 'lines' | 'cancelledOccurrences' | 'movedOccurrences'>

/** The event a meeting puts in an attendee's calendar; its id is the meeting's id. */
export function meetingEvent(meeting: MeetingShape, transparency: Transparency): CalendarEvent {
  const recurring = meeting.lines.length > 0 || meeting.cancelledOccurrences.length > 0 || meeting.movedOccurrences.length > 0
  return {
    id: meeting.id,
    title: meeting.title,
    zone: meeting.zone,
    timing: { kind: 'timed', start: meeting.start, durationMinutes: meeting.durationMinutes },
    transparency,
    recurrence: recurring ? { lines: meeting.lines, exceptions: meetingExceptions(meeting) } : null,
    meetingId: meeting.id,
  }
}

/** The occurrences cancelled or moved on their own, as the recurrence expansion takes them. */
export function meetingExceptions(meeting: Pick<MeetingShape, 'cancelledOccurrences' | 'movedOccurrences'>): OccurrenceException[] {
  return [
    ...meeting.cancelledOccurrences.map((originalStart) => ({ kind: 'cancelled' as const, originalStart })),
    ...meeting.movedOccurrences.map((moved) => ({ kind: 'moved' as const, ...moved })),
  ]
}

/** The meeting's occurrences from its first one to the horizon, ascending. */
export function meetingOccurrences(meeting: MeetingShape): EventOccurrence[] {
  const event = meetingEvent(meeting, 'busy')
  const firstStart = expandEvent({ ...event, recurrence: null }, { start: -8.64e15, end: 8.64e15 })[0]?.startMs ?? 0
  return expandEvent(event, { start: firstStart - 86_400_000, end: firstStart + CONFLICT_HORIZON_MS })
}
