import { IntervalSet, type Interval } from '../intervals/interval-set.js'
import type { CalendarEvent } from './calendar-event.js'
import { expandEvent, type EventOccurrence } from './event-occurrences.js'

/**
 * A person's blocked time. `busy` is every instant blocked by a busy or tentative occurrence
 * (tentative time counts for conflicts); `tentative` is the part of `busy` that only tentative
 * occurrences block, so a report can say "tentative" instead of "busy".
 */
export interface BusyTime {
  readonly busy: IntervalSet
  readonly tentative: IntervalSet
}

/** Every occurrence of `events` that overlaps `window`, ascending by start. */
export function expandEvents(events: readonly CalendarEvent[], window: Interval): EventOccurrence[] {
  return events.flatMap((e) => expandEvent(e, window)).sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs)
}

/** Blocked time from already expanded occurrences, clipped to `window`; 'free' ones never block. */
export function busyTimeOf(occurrences: readonly EventOccurrence[], window: Interval): BusyTime {
  const hard = IntervalSet.of(occurrences.filter((o) => o.transparency === 'busy').map(toInterval)).clip(window)
  const soft = IntervalSet.of(occurrences.filter((o) => o.transparency === 'tentative').map(toInterval)).clip(window)
  return { busy: hard.union(soft), tentative: soft.subtract(hard) }
}

/** Blocked time of a calendar inside `window`. */
export function busyIntervals(events: readonly CalendarEvent[], window: Interval): BusyTime {
  return busyTimeOf(expandEvents(events, window), window)
}

/** The blocking (busy or tentative) occurrences that overlap `interval`: what a booking there would conflict with. */
export function conflictsWith(events: readonly CalendarEvent[], interval: Interval): EventOccurrence[] {
  return expandEvents(events, interval).filter((o) => o.transparency !== 'free')
}

function toInterval(o: EventOccurrence): Interval {
  return { start: o.startMs, end: o.endMs }
}
