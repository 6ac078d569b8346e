/**
 * What the calendar state machine stores: users, events, meetings, holds and notifications. Times
 * are kept as wall time + zone (+ rule), as the calendar domain models them; instants appear only
 * where a moment is absolute (lease expiry, notification time, a hold's blocked intervals).
 */
import type { CalendarEvent } from '../calendar/availability/calendar-event.js'
import type { WorkScheduleOverride } from '../calendar/availability/work-schedule.js'
import type { Interval } from '../calendar/intervals/interval-set.js'
import type { LocalDateTime } from '../calendar/time/local-date-time.js'
import type { IcalIdentity } from '../ical/import-identity.js'
import type { MeetingSpec } from './calendar-command.js'

export interface UserRecord {
  readonly id: string
  readonly office: string
  /** The person's changes to the office's schedule; the zone is always set. */
  readonly schedule: WorkScheduleOverride & { readonly zone: string }
  /** Version of the person's calendar: bumped by every change to the user or their events. */
  readonly version: number
}

/** An event in one person's calendar, with the version optimistic updates compare. */
export interface StoredEvent {
  readonly owner: string
  readonly event: CalendarEvent
  readonly version: number
  /** The iCalendar UID and revision it was imported with (absent: made in this calendar). */
  readonly origin?: IcalIdentity
}

export type InvitationResponse = 'needs-action' | 'accepted' | 'declined' | 'tentative'

/**
 * Orders one person's answers to one meeting the same way in every office holding a copy: a
 * Lamport counter (one more than the last answer the taking office knew of), ties between offices
 * that took answers at once broken by office id. Two answers crossing on their way between offices
 * then leave every copy with the same one, whatever order they arrive in.
 */
export interface AnswerStamp {
  readonly counter: number
  readonly office: string
}

/** A booked meeting: what was asked for (its spec, with the series' RFC 5545 lines), and its state. */
export interface MeetingRecord extends MeetingSpec {
  readonly id: string
  /** Wall-clock starts (in `zone`) of occurrences cancelled on their own. */
  readonly cancelledOccurrences: readonly LocalDateTime[]
  /** Occurrences moved on their own: the series' wall-clock start for each, and where it went. */
  readonly movedOccurrences: readonly MovedOccurrence[]
  readonly status: 'booked' | 'cancelled'
  readonly responses: Readonly<Record<string, InvitationResponse>>
  /** The stamp of each recorded answer (absent in records from before answers were stamped: none yet). */
  readonly answerStamps?: Readonly<Record<string, AnswerStamp>>
  /** What an override booked over, kept so the organizer can see it later. */
  readonly warnings: readonly string[]
  readonly version: number
  readonly createdAtMs: number
}

/** One occurrence of a meeting series at another time or length (wall times in the meeting's zone). */
export interface MovedOccurrence {
  readonly originalStart: LocalDateTime
  readonly start: LocalDateTime
  readonly durationMinutes: number
}

/**
 * A tentative lock on a person's time placed by a cross-office prepare (two-phase commit): it
 * blocks bookings like an event until it is committed, aborted, or its lease runs out. The fencing
 * token orders holds of one coordinator so a stale coordinator cannot commit over a newer one.
 */
export interface HoldRecord {
  readonly id: string
  readonly user: string
  readonly meetingId: string
  readonly fencingToken: number
  /** Instant after which the hold no longer blocks anything (compared with the entry's atMs). */
  readonly leaseExpiresMs: number
  /** The held occurrences of the meeting, as instants. */
  readonly intervals: readonly Interval[]
}

export type NotificationKind = 'invited' | 'updated' | 'cancelled' | 'occurrence-cancelled' | 'responded' | 'booked'

export interface NotificationRecord {
  readonly seq: number
  readonly user: string
  readonly kind: NotificationKind
  readonly meetingId: string
  /** Who caused the change (the organizer, or the attendee who responded). */
  readonly by: string
  readonly atMs: number
  readonly message: string
  /** For a cancelled occurrence: its start instant. */
  readonly occurrenceStartMs: number | null
}

/** Where a series lies in time: what the time index keeps per event so a check reads only candidates. */
export interface EventSpan {
  readonly startMs: number
  /** null: the series has no last occurrence (or it lies beyond what is computed). */
  readonly endMs: number | null
}
