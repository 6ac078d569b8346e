/**
 * The changes to a booked meeting, as new records and the notice its invitees get. One office
 * applies them in one command; a cross-office change applies the same ones in every office when
 * its commit arrives, so both paths produce identical records and messages.
 */
import { expandOccurrences, parseRecurrence } from '../calendar/recurrence/index.js'
import { compareLocalDateTime, type LocalDateTime } from '../calendar/time/local-date-time.js'
import { formatInstantUtc, instantToWallClock } from '../calendar/time/time-zone.js'
import { reject } from './calendar-command.js'
import type { NotificationDraft } from './calendar-outbox.js'
import type { AnswerStamp, MeetingRecord } from './calendar-records.js'
import { attendeesOf } from './meeting-booking.js'
import { meetingExceptions } from './meeting-occurrences.js'

/** One occurrence of a series: its wall-clock start as the rule produced it, and that instant. */
export interface OccurrenceRef {
  readonly originalStart: LocalDateTime
  readonly startMs: number
}

export interface MeetingTimeChange {
  readonly start: LocalDateTime
  readonly durationMinutes: number
  readonly title: string
}

/** The occurrence of a series starting at `startMs`; refused for a single meeting or a start the series does not have. */
export function findOccurrence(meeting: MeetingRecord, startMs: number): OccurrenceRef {
  if (meeting.lines.length === 0) reject({ code: 'REJECTED', message: `meeting "${meeting.id}" is not recurring: change it whole` })
  const rec = parseRecurrence({ dtstart: meeting.start, zone: meeting.zone, lines: meeting.lines, exceptions: meetingExceptions(meeting) })
  const found = expandOccurrences(rec, startMs, startMs + 1)[0]
  if (found === undefined) reject({ code: 'NOT_FOUND', message: `meeting "${meeting.id}" has no occurrence starting at ${formatInstantUtc(startMs)}` })
  return { originalStart: found.originalStart, startMs }
}

/** What a move asks for (null: keep), made whole from the series or from the occurrence as it is now. */
export function resolveTimeChange(
  current: MeetingRecord,
  occurrence: OccurrenceRef | null,
  requested: { readonly start: LocalDateTime | null; readonly durationMinutes: number | null; readonly title: string | null },
): MeetingTimeChange {
  const title = requested.title ?? current.title
  if (occurrence === null) return { start: requested.start ?? current.start, durationMinutes: requested.durationMinutes ?? current.durationMinutes, title }
  const moved = current.movedOccurrences.find((m) => sameStart(m.originalStart, occurrence))
  return {
    start: requested.start ?? instantToWallClock(occurrence.startMs, current.zone),
    durationMinutes: requested.durationMinutes ?? moved?.durationMinutes ?? current.durationMinutes,
    title,
  }
}

/** The whole series cancelled (occurrence null), or one more occurrence left out of it. */
export function cancelledMeeting(current: MeetingRecord, occurrence: OccurrenceRef | null): MeetingRecord {
  if (occurrence === null) return { ...current, status: 'cancelled', version: current.version + 1 }
  return {
    ...current,
    cancelledOccurrences: [...current.cancelledOccurrences, occurrence.originalStart],
    movedOccurrences: current.movedOccurrences.filter((m) => !sameStart(m.originalStart, occurrence)),
    version: current.version + 1,
  }
}

export function cancellationNotice(meeting: MeetingRecord, occurrence: OccurrenceRef | null): NotificationDraft {
  if (occurrence === null) return { kind: 'cancelled', meetingId: meeting.id, by: meeting.organizer, message: `"${meeting.title}" was cancelled by ${meeting.organizer}` }
  return {
    kind: 'occurrence-cancelled',
    meetingId: meeting.id,
    by: meeting.organizer,
    message: `the ${formatInstantUtc(occurrence.startMs)} occurrence of "${meeting.title}" was cancelled by ${meeting.organizer}`,
    occurrenceStartMs: occurrence.startMs,
  }
}

/**
 * The meeting at its new time and title: the whole series (occurrence null), or one occurrence
 * moved on its own (the title is the meeting's either way). Warnings are set by whoever checked
 * the new time.
 */
export function movedMeeting(current: MeetingRecord, change: MeetingTimeChange, occurrence: OccurrenceRef | null): MeetingRecord {
  if (occurrence === null) return { ...current, start: change.start, durationMinutes: change.durationMinutes, title: change.title, version: current.version + 1 }
  const moved = { originalStart: occurrence.originalStart, start: change.start, durationMinutes: change.durationMinutes }
  return {
    ...current,
    title: change.title,
    movedOccurrences: [...current.movedOccurrences.filter((m) => !sameStart(m.originalStart, occurrence)), moved],
    version: current.version + 1,
  }
}

/** Whether an answer stamped `stamp` replaces the one recorded with `than` (see AnswerStamp). */
export function isNewerAnswer(stamp: AnswerStamp, than: AnswerStamp | undefined): boolean {
  if (than === undefined) return true
  return stamp.counter !== than.counter ? stamp.counter > than.counter : stamp.office > than.office
}

export function invitationNotice(meeting: MeetingRecord): NotificationDraft {
  return { kind: 'invited', meetingId: meeting.id, by: meeting.organizer, message: `${meeting.organizer} invited you to "${meeting.title}"` }
}

export function updateNotice(meeting: MeetingRecord, occurrence: OccurrenceRef | null): NotificationDraft {
  const base = { kind: 'updated' as const, meetingId: meeting.id, by: meeting.organizer }
  if (occurrence === null) return { ...base, message: `"${meeting.title}" was changed by ${meeting.organizer}` }
  return { ...base, message: `the ${formatInstantUtc(occurrence.startMs)} occurrence of "${meeting.title}" was changed by ${meeting.organizer}`, occurrenceStartMs: occurrence.startMs }
}

function sameStart(originalStart: LocalDateTime, occurrence: OccurrenceRef): boolean {
  return compareLocalDateTime(originalStart, occurrence.originalStart) === 0
}

/** Everyone told about a change: all attendees but the organizer, who made it. */
export function invitees(meeting: MeetingRecord): string[] {
  return attendeesOf(meeting).filter((u) => u !== meeting.organizer)
}
