/**
 * Booking in two steps a cross-office prepare and commit can reuse: `checkMeetingTime` finds what
 * blocks the attendees (nothing is written), `writeMeeting` puts the meeting and every attendee's
 * event into the batch.
 */
import type { Transparency } from '../calendar/availability/calendar-event.js'
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import { reject, type TimeConflict } from './calendar-command.js'
import { calendarKeys, eventCodec, meetingCodec, spanCodec, userCodec } from './calendar-keyspace.js'
import type { InvitationResponse, MeetingRecord } from './calendar-records.js'
import { readEvent, readUser } from './calendar-store.js'
import { eventSpan } from './event-span.js'
import { meetingEvent, meetingOccurrences, type MeetingShape } from './meeting-occurrences.js'
import { findTimeConflicts } from './time-blockers.js'

export interface MeetingTimeCheck {
  /** What blocks the organizer or a required attendee: the booking fails unless overridden. */
  readonly conflicts: readonly TimeConflict[]
  /** What blocks optional attendees: reported, never blocking. */
  readonly optionalConflicts: readonly TimeConflict[]
}

export interface Attendance {
  readonly organizer: string
  readonly required: readonly string[]
  readonly optional: readonly string[]
}

export async function checkMeetingTime(
  tx: KeyspaceTransaction,
  meeting: MeetingShape & Attendance,
  atMs: number,
  ignoreMeetingId: string | null,
): Promise<MeetingTimeCheck> {
  const wanted = meetingOccurrences(meeting).map((o) => ({ start: o.startMs, end: o.endMs }))
  if (wanted.length === 0) reject({ code: 'REJECTED', message: 'the meeting has no occurrence within a year of its start' })
  const check = (user: string) => findTimeConflicts(tx, { user, wanted, atMs, ignoreMeetingId })
  const conflicts: TimeConflict[] = []
  for (const user of [meeting.organizer, ...meeting.required]) conflicts.push(...(await check(user)))
  const optionalConflicts: TimeConflict[] = []
  for (const user of meeting.optional) optionalConflicts.push(...(await check(user)))
  return { conflicts, optionalConflicts }
}

export function attendeesOf(meeting: Attendance): string[] {
  return [meeting.organizer, ...meeting.required, ...meeting.optional]
}

/** How an invitee's answer shows in their own calendar: a decline frees the time. */
function transparencyFor(response: InvitationResponse): Transparency {
  if (response === 'declined') return 'free'
  if (response === 'tentative') return 'tentative'
  return 'busy'
}

/**
 * Writes the meeting record and, for every attendee of this office (all of them unless told
 * otherwise: a cross-office meeting keeps each attendee's event in their own office), the
 * meeting's event, or removes it once the meeting is cancelled, bumping each calendar's version.
 */
export async function writeMeeting(tx: KeyspaceTransaction, meeting: MeetingRecord, localAttendees: readonly string[] = attendeesOf(meeting)): Promise<void> {
  tx.put(calendarKeys.meeting(meeting.id), meetingCodec.encode(meeting))
  for (const user of localAttendees) await writeAttendeeEvent(tx, meeting, user)
}

/** One attendee's copy of the meeting, as their answer shows it. */
export async function writeAttendeeEvent(tx: KeyspaceTransaction, meeting: MeetingRecord, user: string): Promise<void> {
  if (meeting.status === 'cancelled') {
    tx.del(calendarKeys.event(user, meeting.id))
    tx.del(calendarKeys.span(user, meeting.id))
  } else {
    const existing = await readEvent(tx, user, meeting.id)
    const event = meetingEvent(meeting, transparencyFor(meeting.responses[user] ?? 'needs-action'))
    tx.put(calendarKeys.event(user, meeting.id), eventCodec.encode({ owner: user, event, version: (existing?.version ?? 0) + 1 }))
    tx.put(calendarKeys.span(user, meeting.id), spanCodec.encode(eventSpan(event)))
  }
  await bumpCalendarVersion(tx, user)
}

export async function bumpCalendarVersion(tx: KeyspaceTransaction, userId: string): Promise<number> {
  const user = await readUser(tx, userId)
  if (user === null) reject({ code: 'NOT_FOUND', message: `user "${userId}" is not in this office` })
  const version = user.version + 1
  tx.put(calendarKeys.user(userId), userCodec.encode({ ...user, version }))
  return version
}
