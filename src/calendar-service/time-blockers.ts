/**
 * What blocks a person's time, checked against the occurrences a booking wants: their busy and
 * tentative event occurrences, and the live holds of cross-office prepares. The same check serves
 * a local booking, a meeting move and (later) a two-phase-commit prepare.
 */
import { expandEvent, type EventOccurrence } from '../calendar/availability/event-occurrences.js'
import type { Interval } from '../calendar/intervals/interval-set.js'
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import type { TimeConflict } from './calendar-command.js'
import { eventsOverlapping, listHolds } from './calendar-store.js'

/** Reporting stops here: a weekly clash over a year would otherwise list dozens of pairs per person. */
export const MAX_REPORTED_CONFLICTS = 50

export interface BlockerQuery {
  readonly user: string
  /** The wanted occurrences, ascending and non-overlapping. */
  readonly wanted: readonly Interval[]
  /** Instant the check happens at (the entry's atMs): holds whose lease ended by then do not block. */
  readonly atMs: number
  /** A meeting being moved does not conflict with itself (its events and holds carry its id). */
  readonly ignoreMeetingId: string | null
}

export async function findTimeConflicts(reader: KeyspaceReader, query: BlockerQuery): Promise<TimeConflict[]> {
  const { wanted, user } = query
  const first = wanted[0]
  if (first === undefined) return []
  const window = { start: first.start, end: Math.max(...wanted.map((w) => w.end)) }
  const blockers: Array<{ source: 'event' | 'hold'; sourceId: string; interval: Interval }> = []
  for (const stored of await eventsOverlapping(reader, user, window.start, window.end)) {
    if (stored.event.meetingId !== null && stored.event.meetingId === query.ignoreMeetingId) continue
    for (const occurrence of expandEvent(stored.event, window)) {
      if (blocks(occurrence)) blockers.push({ source: 'event', sourceId: stored.event.id, interval: { start: occurrence.startMs, end: occurrence.endMs } })
    }
  }
  for (const hold of await listHolds(reader, user)) {
    if (hold.leaseExpiresMs <= query.atMs || hold.meetingId === query.ignoreMeetingId) continue
    for (const interval of hold.intervals) blockers.push({ source: 'hold', sourceId: hold.id, interval })
  }
  blockers.sort((a, b) => a.interval.start - b.interval.start || a.interval.end - b.interval.end || (a.sourceId < b.sourceId ? -1 : 1))
  const conflicts: TimeConflict[] = []
  for (const blocker of blockers) {
    for (let i = firstEndingAfter(wanted, blocker.interval.start); i < wanted.length; i++) {
      const slot = wanted[i] as Interval
      if (slot.start >= blocker.interval.end) break
      conflicts.push({ user, source: blocker.source, sourceId: blocker.sourceId, startMs: blocker.interval.start, endMs: blocker.interval.end, meetingStartMs: slot.start })
      if (conflicts.length >= MAX_REPORTED_CONFLICTS) return conflicts
    }
  }
  return conflicts
}

function blocks(occurrence: EventOccurrence): boolean {
  return occurrence.transparency !== 'free' && occurrence.endMs > occurrence.startMs
}

/** Index of the first wanted interval ending after `ms` (they are sorted, so ends are too). */
function firstEndingAfter(wanted: readonly Interval[], ms: number): number {
  let lo = 0
  let hi = wanted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((wanted[mid] as Interval).end <= ms) lo = mid + 1
    else hi = mid
  }
  return lo
}
