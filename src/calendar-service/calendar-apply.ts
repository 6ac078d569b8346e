/**
 * Applies calendar commands to an office's keyspace. Deterministic: the outcome depends only on
 * the keyspace, the command and the context (office settings, the entry's atMs and index), so
 * every replica computes the same. A rejected command throws before its batch is merged.
 */
import { formatInstantUtc } from '../calendar/time/time-zone.js'
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import type { CalendarApplyContext } from './calendar-apply-context.js'
import { reject, type CalendarCommand, type CalendarResult, type ExpectedVersion, type MeetingSpec, type TimeConflict } from './calendar-command.js'
import { calendarKeys, eventCodec, eventIdCodec, meetingCodec, spanCodec, userCodec } from './calendar-keyspace.js'
import type { MeetingRecord, StoredEvent, UserRecord } from './calendar-records.js'
import { readEvent, readMeeting, readUser } from './calendar-store.js'
import { notify } from './calendar-outbox.js'
import { eventSpan } from './event-span.js'
import { importedUidKey, reimportOutcome } from './event-import.js'
import { attendeesOf, bumpCalendarVersion, checkMeetingTime, writeAttendeeEvent, writeMeeting } from './meeting-booking.js'
import { cancellationNotice, cancelledMeeting, findOccurrence, invitationNotice, invitees, isNewerAnswer, movedMeeting, resolveTimeChange, updateNotice } from './meeting-changes.js'

export async function applyCalendarCommand(command: CalendarCommand, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<CalendarResult> {
  switch (command.kind) {
    case 'user.add': {
      if ((await readUser(tx, command.user.id)) !== null) reject({ code: 'REJECTED', message: `user "${command.user.id}" already exists` })
      const user: UserRecord = { id: command.user.id, office: ctx.office.officeId, schedule: command.user.schedule, version: 1 }
      tx.put(calendarKeys.user(user.id), userCodec.encode(user))
      return { kind: 'user', user }
    }
    case 'user.update': {
      const current = await requireUser(tx, command.user.id)
      requireVersion(`user "${current.id}"`, current.version, command.expectedVersion)
      const user: UserRecord = { ...current, schedule: command.user.schedule, version: current.version + 1 }
      tx.put(calendarKeys.user(user.id), userCodec.encode(user))
      return { kind: 'user', user }
    }
    case 'event.add': {
      await requireUser(tx, command.user)
      const eventId = `evt-${ctx.office.officeId}-${ctx.index}`
      return writeEvent(tx, command.user, { owner: command.user, event: { id: eventId, meetingId: null, ...command.event }, version: 1 })
    }
    case 'event.import': {
      const owner = await requireUser(tx, command.user)
      const indexKey = calendarKeys.importedUid(command.user, importedUidKey(command.origin))
      const indexed = await tx.get(indexKey)
      const stored = indexed === undefined ? null : await readEvent(tx, command.user, eventIdCodec.decode(indexed))
      if (stored === null) {
        const eventId = `evt-${ctx.office.officeId}-${ctx.index}`
        tx.put(indexKey, eventIdCodec.encode(eventId))
        const added = await writeEvent(tx, command.user, { owner: command.user, event: { id: eventId, meetingId: null, ...command.event }, version: 1, origin: command.origin })
        return { kind: 'eventImported', user: command.user, eventId, version: 1, calendarVersion: added.calendarVersion, outcome: 'added' }
      }
      const outcome = reimportOutcome(stored, command.origin, command.event)
      const eventId = stored.event.id
      if (outcome !== 'updated') return { kind: 'eventImported', user: command.user, eventId, version: stored.version, calendarVersion: owner.version, outcome }
      const version = stored.version + 1
      const updated = await writeEvent(tx, command.user, { ...stored, event: { ...stored.event, ...command.event }, version, origin: command.origin })
      return { kind: 'eventImported', user: command.user, eventId, version, calendarVersion: updated.calendarVersion, outcome }
    }
    case 'event.update': {
      const current = await requireOwnEvent(tx, command.user, command.eventId)
      requireVersion(`event "${command.eventId}"`, current.version, command.expectedVersion)
      return writeEvent(tx, command.user, { ...current, event: { ...current.event, ...command.event }, version: current.version + 1 })
    }
    case 'event.delete': {
      const current = await requireOwnEvent(tx, command.user, command.eventId)
      requireVersion(`event "${command.eventId}"`, current.version, command.expectedVersion)
      tx.del(calendarKeys.event(command.user, command.eventId))
      tx.del(calendarKeys.span(command.user, command.eventId))
      // A later import of the same UID adds the event again rather than finding a deleted one.
      if (current.origin !== undefined) tx.del(calendarKeys.importedUid(command.user, importedUidKey(current.origin)))
      return { kind: 'eventDeleted', user: command.user, eventId: command.eventId, calendarVersion: await bumpCalendarVersion(tx, command.user) }
    }
    case 'meeting.book':
      return bookMeeting(tx, ctx, command.meeting, command.override)
    case 'meeting.update': {
      const current = await requireBookedMeeting(tx, command.meetingId, command.expectedVersion)
      const occurrence = command.occurrenceStartMs === null ? null : findOccurrence(current, command.occurrenceStartMs)
      const moved = movedMeeting(current, resolveTimeChange(current, occurrence, command), occurrence)
      const check = await checkMeetingTime(tx, moved, ctx.atMs, current.id)
      if (check.conflicts.length > 0 && !command.override) return { kind: 'booking', outcome: { status: 'conflict', conflicts: check.conflicts } }
      const warnings = [...check.conflicts, ...check.optionalConflicts]
      const meeting = { ...moved, warnings: warnings.map(describeConflict) }
      await writeMeeting(tx, meeting)
      const notified = await notify(tx, ctx, invitees(meeting), updateNotice(meeting, occurrence))
      return { kind: 'booking', outcome: { status: 'booked', meeting, warnings, notified } }
    }
    case 'meeting.cancel': {
      const current = await requireBookedMeeting(tx, command.meetingId, command.expectedVersion)
      const occurrence = command.occurrenceStartMs === null ? null : findOccurrence(current, command.occurrenceStartMs)
      const meeting = cancelledMeeting(current, occurrence)
      await writeMeeting(tx, meeting)
      const notified = await notify(tx, ctx, invitees(meeting), cancellationNotice(meeting, occurrence))
      return { kind: 'meeting', meeting, notified }
    }
    case 'meeting.respond': {
      const current = await requireBookedMeeting(tx, command.meetingId, null)
      if (!attendeesOf(current).includes(command.user)) reject({ code: 'REJECTED', message: `user "${command.user}" is not invited to meeting "${current.id}"` })
      const known = current.answerStamps?.[command.user]
      const stamp = command.stamp ?? { counter: (known?.counter ?? 0) + 1, office: ctx.office.officeId }
      // An older answer still counts in the version: every copy then ends at the same version once all answers reached it.
      if (!isNewerAnswer(stamp, known)) {
        const unchanged: MeetingRecord = { ...current, version: current.version + 1 }
        writeMeetingRecordOnly(tx, unchanged)
        return { kind: 'meeting', meeting: unchanged, notified: [] }
      }
      const meeting: MeetingRecord = {
        ...current,
        responses: { ...current.responses, [command.user]: command.response },
        answerStamps: { ...current.answerStamps, [command.user]: stamp },
        version: current.version + 1,
      }
      writeMeetingRecordOnly(tx, meeting)
      // Every office holding a cross-office meeting records the answer in its copy; only the
      // attendee's office has their event, and only the organizer's office tells the organizer.
      if ((await readUser(tx, command.user)) !== null) await writeAttendeeEvent(tx, meeting, command.user)
      const notified =
        command.user === meeting.organizer || (await readUser(tx, meeting.organizer)) === null
          ? []
          : await notify(tx, ctx, [meeting.organizer], { kind: 'responded', meetingId: meeting.id, by: command.user, message: `${command.user} ${command.response} "${meeting.title}"` })
      return { kind: 'meeting', meeting, notified }
    }
  }
}

async function bookMeeting(tx: KeyspaceTransaction, ctx: CalendarApplyContext, spec: MeetingSpec, override: boolean): Promise<CalendarResult> {
  for (const user of attendeesOf(spec)) await requireUser(tx, user)
  const draft: MeetingRecord = {
    id: `mtg-${ctx.office.officeId}-${ctx.index}`,
    ...spec,
    cancelledOccurrences: [],
    movedOccurrences: [],
    status: 'booked',
    responses: Object.fromEntries([[spec.organizer, 'accepted'], ...[...spec.required, ...spec.optional].map((u) => [u, 'needs-action'])]),
    warnings: [],
    version: 1,
    createdAtMs: ctx.atMs,
  }
  const check = await checkMeetingTime(tx, draft, ctx.atMs, null)
  if (check.conflicts.length > 0 && !override) return { kind: 'booking', outcome: { status: 'conflict', conflicts: check.conflicts } }
  const warnings = [...check.conflicts, ...check.optionalConflicts]
  const meeting: MeetingRecord = { ...draft, warnings: warnings.map(describeConflict) }
  await writeMeeting(tx, meeting)
  const notified = await notify(tx, ctx, invitees(meeting), invitationNotice(meeting))
  return { kind: 'booking', outcome: { status: 'booked', meeting, warnings, notified } }
}

function writeMeetingRecordOnly(tx: KeyspaceTransaction, meeting: MeetingRecord): void {
  tx.put(calendarKeys.meeting(meeting.id), meetingCodec.encode(meeting))
}

async function writeEvent(tx: KeyspaceTransaction, user: string, stored: StoredEvent): Promise<Extract<CalendarResult, { kind: 'event' }>> {
  tx.put(calendarKeys.event(user, stored.event.id), eventCodec.encode(stored))
  tx.put(calendarKeys.span(user, stored.event.id), spanCodec.encode(eventSpan(stored.event)))
  const calendarVersion = await bumpCalendarVersion(tx, user)
  return { kind: 'event', user, eventId: stored.event.id, version: stored.version, calendarVersion }
}

export function describeConflict(c: TimeConflict): string {
  return `${c.user} is busy ${formatInstantUtc(c.startMs)} to ${formatInstantUtc(c.endMs)} (${c.source} ${c.sourceId})`
}

async function requireUser(tx: KeyspaceTransaction, id: string): Promise<UserRecord> {
  return (await readUser(tx, id)) ?? reject({ code: 'NOT_FOUND', message: `user "${id}" is not in this office` })
}

async function requireOwnEvent(tx: KeyspaceTransaction, user: string, eventId: string): Promise<StoredEvent> {
  const stored = (await readEvent(tx, user, eventId)) ?? reject({ code: 'NOT_FOUND', message: `event "${eventId}" of user "${user}" does not exist` })
  if (stored.event.meetingId !== null) {
    reject({ code: 'REJECTED', message: `event "${eventId}" belongs to meeting "${stored.event.meetingId}": change it with the meeting commands` })
  }
  return stored
}

async function requireBookedMeeting(tx: KeyspaceTransaction, id: string, expected: ExpectedVersion): Promise<MeetingRecord> {
  const meeting = (await readMeeting(tx, id)) ?? reject({ code: 'NOT_FOUND', message: `meeting "${id}" does not exist` })
  if (meeting.status === 'cancelled') reject({ code: 'REJECTED', message: `meeting "${id}" is cancelled` })
  requireVersion(`meeting "${id}"`, meeting.version, expected)
  return meeting
}

function requireVersion(what: string, current: number, expected: ExpectedVersion): void {
  if (expected !== null && expected !== current) {
    reject({ code: 'STALE_VERSION', message: `${what} is at version ${current}, not the expected ${expected}`, currentVersion: current })
  }
}
