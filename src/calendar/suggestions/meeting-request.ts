import { CalendarInputError } from '../calendar-input-error.js'
import type { CalendarEvent } from '../availability/calendar-event.js'
import type { WorkSchedule } from '../availability/work-schedule.js'
import type { Interval, IntervalSet } from '../intervals/interval-set.js'

export type AttendeeRole = 'organizer' | 'required' | 'optional'

/**
 * What the scheduler knows about one attendee. An office knows its own people's events
 * ('events': conflicts can name event ids); from a remote office it only receives merged busy and
 * working intervals ('intervals': conflicts say "busy" without details). Intervals must cover the
 * whole search span (the window, or up to the recurrence horizon plus the duration).
 */
export type AttendeeCalendar =
  | {
      readonly kind: 'events'
      readonly id: string
      readonly zone: string
      readonly schedule: WorkSchedule
      readonly events: readonly CalendarEvent[]
    }
  | {
      readonly kind: 'intervals'
      readonly id: string
      readonly zone: string
      readonly working: IntervalSet
      /** Every blocked instant, tentative ones included. */
      readonly busy: IntervalSet
      /** The part of `busy` blocked only tentatively. */
      readonly tentative: IntervalSet
    }

export interface MeetingRecurrence {
  /** RFC 5545 lines; a candidate's start, in the organizer's zone, is the DTSTART. */
  readonly lines: readonly string[]
  /** Occurrences starting before this instant are scored; default: one year after the window opens. */
  readonly horizonEndMs?: number
}

export interface MeetingRequestInput {
  readonly organizer: string
  readonly required: readonly string[]
  readonly optional?: readonly string[]
  readonly durationMinutes: number
  /** The meeting must lie inside this span; for a recurring meeting, its first occurrence must. */
  readonly window: Interval
  readonly granularityMinutes?: number
  /** How many attendees (organizer + required + optional) must be able to attend; default: organizer + required. */
  readonly minAttendees?: number
  readonly recurrence?: MeetingRecurrence | null
  /** Carried to the booking layer, where a higher priority may displace lower-priority tentative holds. */
  readonly priority?: number
  readonly limit?: number
}

/** A request after validation, defaults filled in. */
export interface MeetingRequest {
  readonly organizer: string
  readonly required: readonly string[]
  readonly optional: readonly string[]
  readonly durationMinutes: number
  readonly window: Interval
  readonly granularityMinutes: number
  readonly minAttendees: number
  readonly recurrence: { readonly lines: readonly string[]; readonly horizonEndMs: number } | null
  readonly priority: number
  readonly limit: number
}

const DAY_MS = 86_400_000
const DEFAULT_HORIZON_MS = 365 * DAY_MS
const MAX_WINDOW_MS = 366 * DAY_MS
const MAX_LIMIT = 100

/** Validates a request against the calendars it will be matched with; every error names the field. */
export function validateMeetingRequest(input: MeetingRequestInput, calendars: readonly AttendeeCalendar[]): MeetingRequest {
  const known = new Set<string>()
  calendars.forEach((c, i) => {
    if (known.has(c.id)) throw new CalendarInputError(`calendars[${i}]`, `calendars[${i}]: a second calendar for "${c.id}"`)
    known.add(c.id)
  })
  const requireKnown = (id: string, field: string): void => {
    if (!known.has(id)) throw new CalendarInputError(field, `${field}: no calendar given for attendee "${id}"`)
  }
  requireKnown(input.organizer, 'organizer')
  const optional = input.optional ?? []
  const seen = new Set<string>([input.organizer])
  const lists: Array<[string, readonly string[]]> = [
    ['required', input.required],
    ['optional', optional],
  ]
  for (const [name, ids] of lists) {
    ids.forEach((id, i) => {
      requireKnown(id, `${name}[${i}]`)
      if (seen.has(id)) throw new CalendarInputError(`${name}[${i}]`, `${name}[${i}]: "${id}" is listed twice among the attendees`)
      seen.add(id)
    })
  }
  const durationMinutes = requireWhole(input.durationMinutes, 1, 24 * 60, 'durationMinutes')
  const granularityMinutes = requireWhole(input.granularityMinutes ?? 15, 1, 24 * 60, 'granularityMinutes')
  const { window } = input
  if (!Number.isFinite(window.start) || !Number.isFinite(window.end) || window.end <= window.start) {
    throw new CalendarInputError('window', `window: end must be after start (got ${window.start} to ${window.end})`)
  }
  if (window.end - window.start > MAX_WINDOW_MS) {
    throw new CalendarInputError('window', 'window: longer than 366 days')
  }
  const attendeeCount = seen.size
  const mandatory = 1 + input.required.length
  const minAttendees = requireWhole(input.minAttendees ?? mandatory, 1, attendeeCount, 'minAttendees')
  const recurrence =
    input.recurrence === undefined || input.recurrence === null
      ? null
      : {
          lines: input.recurrence.lines,
          horizonEndMs: requireHorizon(input.recurrence.horizonEndMs ?? defaultHorizonEndMs(window), window),
        }
  return {
    organizer: input.organizer,
    required: input.required,
    optional,
    durationMinutes,
    window,
    granularityMinutes,
    minAttendees,
    recurrence,
    priority: requireWhole(input.priority ?? 1, 1, 1000, 'priority'),
    limit: requireWhole(input.limit ?? 5, 1, MAX_LIMIT, 'limit'),
  }
}

/** Where a recurring meeting's occurrences stop being scored when the request does not say. */
export function defaultHorizonEndMs(window: Interval): number {
  return Math.max(window.end, window.start + DEFAULT_HORIZON_MS)
}

function requireWhole(value: number, min: number, max: number, field: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new CalendarInputError(field, `${field}: ${value} must be a whole number from ${min} to ${max}`)
  }
  return value
}

function requireHorizon(horizonEndMs: number, window: Interval): number {
  if (!Number.isFinite(horizonEndMs) || horizonEndMs < window.end || horizonEndMs - window.start > 5 * DEFAULT_HORIZON_MS) {
    throw new CalendarInputError('recurrence.horizonEndMs', 'recurrence.horizonEndMs: must lie between the window end and five years after its start')
  }
  return horizonEndMs
}
