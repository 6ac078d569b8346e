import type { Interval } from '../intervals/interval-set.js'
import { expandOccurrences, parseRecurrence, type Recurrence } from '../recurrence/index.js'
import type { LocalDateTime } from '../time/local-date-time.js'
import type { CalendarEvent, EventRecurrence, Transparency } from './calendar-event.js'
import { addDays } from './local-date.js'
import { instantOfLocal, instantOfLocalMidnight } from './local-day-clock.js'

/** One concrete occurrence of an event, in UTC. */
export interface EventOccurrence {
  readonly eventId: string
  readonly startMs: number
  readonly endMs: number
  readonly transparency: Transparency
}

const MINUTE_MS = 60_000
// An all-day occurrence's local days last at most 25 h each (a fall-back day).
const LONGEST_DAY_MS = 25 * 60 * MINUTE_MS

/**
 * The occurrences of `event` that overlap `window`, ascending by start. A recurring event is
 * expanded from far enough before the window that an occurrence which began earlier but still
 * runs into the window is included.
 */
export function expandEvent(event: CalendarEvent, window: Interval): EventOccurrence[] {
  const overlapping = (o: EventOccurrence): boolean => o.endMs > window.start && o.startMs < window.end
  if (event.recurrence === null) {
    const only = occurrenceAt(event, event.timing.start, null, null)
    return overlapping(only) ? [only] : []
  }
  const lookBack = longestOccurrenceMs(event)
  return expandOccurrences(parsedRecurrence(event, event.recurrence), window.start - lookBack, window.end)
    .map((o) => occurrenceAt(event, o.local, o.startMs, o.durationMinutes))
    .filter(overlapping)
}

/**
 * Stored events are queried again and again, often as fresh objects read back from storage, so
 * parsed rules are remembered by content (start, zone, lines, exceptions), not by object. The
 * memo is bounded: when full it starts over.
 */
const parsed = new Map<string, Recurrence>()
const MAX_PARSED = 20_000

function parsedRecurrence(event: CalendarEvent, recurrence: EventRecurrence): Recurrence {
  const key = JSON.stringify([event.zone, event.timing.start, recurrence.lines, recurrence.exceptions])
  let rec = parsed.get(key)
  if (rec === undefined) {
    rec = parseRecurrence({ dtstart: event.timing.start, zone: event.zone, lines: recurrence.lines, exceptions: recurrence.exceptions })
    if (parsed.size >= MAX_PARSED) parsed.clear()
    parsed.set(key, rec)
  }
  return rec
}

/**
 * An occurrence from its local start (and, for a recurring one, the instant the recurrence
 * module already derived for it).
 */
function occurrenceAt(event: CalendarEvent, local: LocalDateTime, knownStartMs: number | null, movedMinutes: number | null): EventOccurrence {
  const { timing } = event
  if (timing.kind === 'timed') {
    const startMs = knownStartMs ?? instantOfLocal(local, event.zone)
    return { eventId: event.id, startMs, endMs: startMs + (movedMinutes ?? timing.durationMinutes) * MINUTE_MS, transparency: event.transparency }
  }
  // Local midnight to midnight, whatever the days' lengths; a moved all-day occurrence keeps
  // the series' number of days.
  return {
    eventId: event.id,
    startMs: instantOfLocalMidnight(local, event.zone),
    endMs: instantOfLocalMidnight(addDays(local, timing.days), event.zone),
    transparency: event.transparency,
  }
}

function longestOccurrenceMs(event: CalendarEvent): number {
  const { timing } = event
  if (timing.kind === 'all-day') return timing.days * LONGEST_DAY_MS
  const moved = (event.recurrence?.exceptions ?? []).map((e) => (e.kind === 'moved' ? (e.durationMinutes ?? 0) : 0))
  return Math.max(timing.durationMinutes, ...moved) * MINUTE_MS
}
