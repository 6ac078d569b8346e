/**
 * The calendar's commands as they travel in the Raft log: validated and resolved at the RPC
 * boundary (wall times in a known zone, rules parsed once), trusted when applied.
 */
import type { EventRecurrence, EventTiming, Transparency } from '../calendar/availability/calendar-event.js'
import type { WorkScheduleOverride } from '../calendar/availability/work-schedule.js'
import type { LocalDateTime } from '../calendar/time/local-date-time.js'
import type { IcalIdentity } from '../ical/import-identity.js'
import type { AnswerStamp, InvitationResponse, MeetingRecord, UserRecord } from './calendar-records.js'

export interface UserSpec {
  readonly id: string
  readonly schedule: WorkScheduleOverride & { readonly zone: string }
}

export interface EventSpec {
  readonly title: string
  readonly zone: string
  readonly timing: EventTiming
  readonly transparency: Transparency
  readonly recurrence: EventRecurrence | null
}

export interface MeetingSpec {
  readonly organizer: string
  readonly required: readonly string[]
  readonly optional: readonly string[]
  readonly title: string
  readonly zone: string
  readonly start: LocalDateTime
  readonly durationMinutes: number
  /** RFC 5545 lines of the series; empty for a single meeting. */
  readonly lines: readonly string[]
}

/** null: no expectation; a number: the caller's last seen version, stale ones are rejected. */
export type ExpectedVersion = number | null

export type CalendarCommand =
  | { readonly kind: 'user.add'; readonly user: UserSpec }
  | { readonly kind: 'user.update'; readonly user: UserSpec; readonly expectedVersion: ExpectedVersion }
  | { readonly kind: 'event.add'; readonly user: string; readonly event: EventSpec }
  /** Adds the event, or updates or keeps the one an earlier import of the same UID stored. */
  | { readonly kind: 'event.import'; readonly user: string; readonly event: EventSpec; readonly origin: IcalIdentity }
  | { readonly kind: 'event.update'; readonly user: string; readonly eventId: string; readonly event: EventSpec; readonly expectedVersion: ExpectedVersion }
  | { readonly kind: 'event.delete'; readonly user: string; readonly eventId: string; readonly expectedVersion: ExpectedVersion }
  | { readonly kind: 'meeting.book'; readonly meeting: MeetingSpec; readonly override: boolean }
  | {
      readonly kind: 'meeting.update'
      readonly meetingId: string
      /** null: the whole series; otherwise the start instant of the one occurrence to move. */
      readonly occurrenceStartMs: number | null
      readonly start: LocalDateTime | null
      readonly durationMinutes: number | null
      readonly title: string | null
      readonly expectedVersion: ExpectedVersion
      readonly override: boolean
    }
  | { readonly kind: 'meeting.cancel'; readonly meetingId: string; readonly occurrenceStartMs: number | null; readonly expectedVersion: ExpectedVersion }
  | {
      readonly kind: 'meeting.respond'
      readonly meetingId: string
      readonly user: string
      readonly response: Exclude<InvitationResponse, 'needs-action'>
      /** Absent: the answer is taken by this office and stamped here; present: taken by another office, recorded only if newer. */
      readonly stamp?: AnswerStamp
    }

/** A time a booking would take from someone, and what already holds it. */
export interface TimeConflict {
  readonly user: string
  readonly source: 'event' | 'hold'
  /** The event id, or the hold id. */
  readonly sourceId: string
  /** The blocking occurrence (or held interval). */
  readonly startMs: number
  readonly endMs: number
  /** The start of the meeting occurrence it collides with. */
  readonly meetingStartMs: number
}

export type BookingOutcome =
  | { readonly status: 'booked'; readonly meeting: MeetingRecord; readonly warnings: readonly TimeConflict[]; readonly notified: readonly string[] }
  | { readonly status: 'conflict'; readonly conflicts: readonly TimeConflict[] }

export type CalendarResult =
  | { readonly kind: 'user'; readonly user: UserRecord }
  | { readonly kind: 'event'; readonly user: string; readonly eventId: string; readonly version: number; readonly calendarVersion: number }
  | { readonly kind: 'eventDeleted'; readonly user: string; readonly eventId: string; readonly calendarVersion: number }
  | { readonly kind: 'eventImported'; readonly user: string; readonly eventId: string; readonly version: number; readonly calendarVersion: number; readonly outcome: ImportOutcome }
  | { readonly kind: 'booking'; readonly outcome: BookingOutcome }
  | { readonly kind: 'meeting'; readonly meeting: MeetingRecord; readonly notified: readonly string[] }

/**
 * What an event.import did: stored a new event, updated the one an earlier import stored, or
 * kept it because the file's copy is the same ('unchanged') or of an older revision ('older').
 */
export type ImportOutcome = 'added' | 'updated' | 'unchanged' | 'older'

/** Why a command was refused when applied; nothing it would have written is kept. */
export type CalendarRejection =
  | { readonly code: 'NOT_FOUND'; readonly message: string }
  | { readonly code: 'STALE_VERSION'; readonly message: string; readonly currentVersion: number }
  | { readonly code: 'REJECTED'; readonly message: string }

export class CalendarRejectionError extends Error {
  constructor(readonly rejection: CalendarRejection) {
    super(rejection.message)
    this.name = 'CalendarRejectionError'
  }
}

export function reject(rejection: CalendarRejection): never {
  throw new CalendarRejectionError(rejection)
}
