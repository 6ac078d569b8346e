/**
 * The time index entry of an event: from its first start to its last end, or open-ended for a
 * series without a known end. Conflict checks and queries read these small records first and
 * decode only the events whose span overlaps their window.
 */
import type { CalendarEvent } from '../calendar/availability/calendar-event.js'
import { expandEvent } from '../calendar/availability/event-occurrences.js'
import type { EventSpan } from './calendar-records.js'

const DAY_MS = 86_400_000
/** A bounded series (COUNT or UNTIL) is expanded this far to find its last occurrence. */
const BOUNDED_SEARCH_MS = 10 * 366 * DAY_MS

export function eventSpan(event: CalendarEvent): EventSpan {
  const first = expandEvent({ ...event, recurrence: null }, { start: -8.64e15, end: 8.64e15 })[0]
  const firstStart = first?.startMs ?? 0
  const firstEnd = first?.endMs ?? 0
  if (event.recurrence === null) return { startMs: firstStart, endMs: firstEnd }
  // Moved occurrences may lie before DTSTART; RDATEs anywhere: open ends are the safe answer.
  const exceptionsMoveEarlier = event.recurrence.exceptions.some((e) => e.kind === 'moved')
  const hasRdates = event.recurrence.lines.some((line) => /^RDATE/i.test(line))
  const rules = event.recurrence.lines.filter((line) => /^RRULE/i.test(line))
  const bounded = rules.every((line) => /[:;](COUNT|UNTIL)=/i.test(line))
  if (exceptionsMoveEarlier || hasRdates) return { startMs: -8.64e15, endMs: null }
  if (!bounded) return { startMs: firstStart, endMs: null }
  let occurrences
  try {
    occurrences = expandEvent(event, { start: firstStart, end: firstStart + BOUNDED_SEARCH_MS })
  } catch {
    // Too many occurrences to list: treat the series as open-ended, which is never wrong.
    return { startMs: firstStart, endMs: null }
  }
  const last = occurrences[occurrences.length - 1]
  if (last === undefined) return { startMs: firstStart, endMs: firstEnd }
  return { startMs: firstStart, endMs: Math.max(firstEnd, last.endMs) }
}
