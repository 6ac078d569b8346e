import type { Interval } from '../intervals/interval-set.js';
import { expandOccurrences, parseRecurrence } from '../recurrence/index.js';
import type { LocalDateTime } from '../time/local-date-time.js';
import { wallClockToInstant } from '../time/time-zone.js';
import type { CalendarEvent, Transparency } from './calendar-event.js';
import { addDays } from './local-date.js';

/** One concrete occurrence of an event, in UTC. */
export interface EventOccurrence {
  readonly eventId: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly transparency: Transparency;
}

const MINUTE_MS = 60_000;
// An all-day occurrence's local days last at most 25 h each (a fall-back day).
const LONGEST_DAY_MS = 25 * 60 * MINUTE_MS;

/**
 * The occurrences of `event` that overlap `window`, ascending by start. A recurring event is
 * expanded from far enough before the window that an occurrence which began earlier but still
 * runs into the window is included.
 */
export function expandEvent(event: CalendarEvent, window: Interval): EventOccurrence[] {
  const overlapping = (o: EventOccurrence): boolean => o.endMs > window.start && o.startMs < window.end;
  if (event.recurrence === null) {
    const only = occurrenceAt(event, event.timing.start, null);
    return overlapping(only) ? [only] : [];
  }
  const recurrence = parseRecurrence({
    dtstart: event.timing.start,
    zone: event.zone,
    lines: event.recurrence.lines,
    exceptions: event.recurrence.exceptions,
  });
  const lookBack = longestOccurrenceMs(event);
  return expandOccurrences(recurrence, window.start - lookBack, window.end)
    .map((o) => occurrenceAt(event, o.local, o.durationMinutes))
    .filter(overlapping);
}

function occurrenceAt(event: CalendarEvent, local: LocalDateTime, movedMinutes: number | null): EventOccurrence {
  const { timing } = event;
  const at = (t: LocalDateTime): number => wallClockToInstant(t, event.zone);
  if (timing.kind === 'timed') {
    const startMs = at(local);
    return { eventId: event.id, startMs, endMs: startMs + (movedMinutes ?? timing.durationMinutes) * MINUTE_MS, transparency: event.transparency };
  }
  // Local midnight to midnight, whatever the days' lengths; a moved all-day occurrence keeps
  // the series' number of days.
  const midnight = { hour: 0, minute: 0, second: 0 };
  return {
    eventId: event.id,
    startMs: at({ ...local, ...midnight }),
    endMs: at({ ...addDays(local, timing.days), ...midnight }),
    transparency: event.transparency,
  };
}

function longestOccurrenceMs(event: CalendarEvent): number {
  const { timing } = event;
  if (timing.kind === 'all-day') return timing.days * LONGEST_DAY_MS;
  const moved = (event.recurrence?.exceptions ?? []).map((e) => (e.kind === 'moved' ? (e.durationMinutes ?? 0) : 0));
  return Math.max(timing.durationMinutes, ...moved) * MINUTE_MS;
}
