import { CalendarInputError } from '../calendar-input-error.js'
import { formatLocalDateTime, makeLocalDateTime, type LocalDateTime } from '../time/local-date-time.js'
import { requireZone } from '../time/time-zone.js'
import { parseRecurrence, type OccurrenceException } from '../recurrence/index.js'

/** How an event counts for availability: 'tentative' blocks like 'busy' but is reported apart; 'free' never blocks. */
export type Transparency = 'busy' | 'tentative' | 'free'

/**
 * When an event happens, in local wall time of the event's zone. A timed event keeps its exact
 * length in every occurrence; an all-day event spans whole local days, midnight to midnight
 * (23 or 25 hours on a DST day).
 */
export type EventTiming =
  | { readonly kind: 'timed'; readonly start: LocalDateTime; readonly durationMinutes: number }
  | { readonly kind: 'all-day'; readonly start: LocalDateTime; readonly days: number }

export interface EventRecurrence {
  /** RFC 5545 content lines (RRULE, EXRULE, RDATE, EXDATE); the event's start is the DTSTART. */
  readonly lines: readonly string[]
  readonly exceptions: readonly OccurrenceException[]
}

/**
 * An event as the office state machine stores it: wall time + zone (+ rule), never only UTC, so
 * a time-zone database update re-derives the right instants.
 */
export interface CalendarEvent {
  readonly id: string
  readonly title: string
  readonly zone: string
  readonly timing: EventTiming
  readonly transparency: Transparency
  readonly recurrence: EventRecurrence | null
  /** The meeting this event belongs to, when it was booked through the scheduler. */
  readonly meetingId: string | null
}

/** Longest single occurrence accepted: bounds how far back an expansion must look. */
export const MAX_EVENT_MINUTES = 366 * 24 * 60

const MAX_ID_LENGTH = 200
const MAX_TITLE_LENGTH = 1000

/** Checks an event at the boundary (ids, zone, start, lengths, rule lines) and returns it unchanged. */
export function validateCalendarEvent(event: CalendarEvent, field: string): CalendarEvent {
  if (event.id.length === 0 || event.id.length > MAX_ID_LENGTH) {
    throw new CalendarInputError(`${field}.id`, `${field}.id: must have 1 to ${MAX_ID_LENGTH} characters`)
  }
  if (event.title.length > MAX_TITLE_LENGTH) {
    throw new CalendarInputError(`${field}.title`, `${field}.title: longer than ${MAX_TITLE_LENGTH} characters`)
  }
  requireZone(event.zone, `${field}.zone`)
  const { timing } = event
  makeLocalDateTime(timing.start, `${field}.timing.start`, formatLocalDateTime(timing.start))
  if (timing.kind === 'timed') {
    requireWholeCount(timing.durationMinutes, MAX_EVENT_MINUTES, `${field}.timing.durationMinutes`)
  } else {
    requireWholeCount(timing.days, MAX_EVENT_MINUTES / (24 * 60), `${field}.timing.days`)
    const { hour, minute, second } = timing.start
    if (hour !== 0 || minute !== 0 || second !== 0) {
      throw new CalendarInputError(`${field}.timing.start`, `${field}.timing.start: an all-day event starts at local midnight`)
    }
  }
  if (event.recurrence !== null) {
    parseRecurrence(
      { dtstart: timing.start, zone: event.zone, lines: event.recurrence.lines, exceptions: event.recurrence.exceptions },
      {
        dtstart: `${field}.timing.start`,
        zone: `${field}.zone`,
        line: (i) => `${field}.recurrence.lines[${i}]`,
        exception: (i) => `${field}.recurrence.exceptions[${i}]`,
      },
    )
  }
  return event
}

function requireWholeCount(value: number, max: number, field: string): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new CalendarInputError(field, `${field}: ${value} must be a whole number from 1 to ${max}`)
  }
}
