import { formatInstantInZone } from '../time/time-zone.js'
import type { AttendeeTimeline } from './attendee-timeline.js'
import type { AttendeeRole } from './meeting-request.js'
import { blockedBy, outOfHoursMinutes } from './slot-scoring.js'

export type AttendeeStatus = 'free' | 'tentative' | 'busy' | 'outside-working-hours'

/** Why an attendee cannot attend one occurrence. */
export type UnavailabilityReason =
  | {
      readonly kind: 'conflict'
      readonly occurrenceStartMs: number
      readonly transparency: 'busy' | 'tentative'
      /** The overlapping events; null when only merged busy time is known (a remote office). */
      readonly eventIds: readonly string[] | null
    }
  | { readonly kind: 'outside-working-hours'; readonly occurrenceStartMs: number; readonly minutes: number }

export interface AttendeeVerdict {
  readonly id: string
  readonly role: AttendeeRole
  readonly zone: string
  /** The (first) occurrence's start on the attendee's own clock, ISO 8601 with offset. */
  readonly localStart: string
  /** The worst case over all occurrences: busy, then tentative, then outside working hours. */
  readonly status: AttendeeStatus
  readonly reasons: readonly UnavailabilityReason[]
}

const SEVERITY: Record<AttendeeStatus, number> = { free: 0, 'outside-working-hours': 1, tentative: 2, busy: 3 }

/** Who can attend, and why not, for a meeting with these occurrence starts. */
export function attendeeVerdict(timeline: AttendeeTimeline, occurrenceStartsMs: readonly number[], durationMs: number): AttendeeVerdict {
  let status: AttendeeStatus = 'free'
  const reasons: UnavailabilityReason[] = []
  const worsen = (s: AttendeeStatus): void => {
    if (SEVERITY[s] > SEVERITY[status]) status = s
  }
  for (const occurrenceStartMs of occurrenceStartsMs) {
    const meeting = { start: occurrenceStartMs, end: occurrenceStartMs + durationMs }
    const blocked = blockedBy(timeline, meeting)
    if (blocked !== null) {
      worsen(blocked)
      const eventIds =
        timeline.occurrences === null
          ? null
          : [
              ...new Set(
                timeline.occurrences.filter((o) => o.startMs < meeting.end && o.endMs > meeting.start).map((o) => o.eventId),
              ),
            ]
      reasons.push({ kind: 'conflict', occurrenceStartMs, transparency: blocked, eventIds })
    }
    const minutes = outOfHoursMinutes(timeline, meeting)
    if (minutes > 0) {
      worsen('outside-working-hours')
      reasons.push({ kind: 'outside-working-hours', occurrenceStartMs, minutes })
    }
  }
  const first = occurrenceStartsMs[0] ?? 0
  return { id: timeline.id, role: timeline.role, zone: timeline.zone, localStart: formatInstantInZone(first, timeline.zone), status, reasons }
}
