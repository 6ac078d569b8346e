import { IntervalCursor } from '../intervals/interval-cursor.js'
import type { Interval, IntervalQueries } from '../intervals/interval-set.js'
import type { AttendeeTimeline } from './attendee-timeline.js'
import type { MeetingRequest } from './meeting-request.js'

/** An attendee's time as queries: interval sets for single look-ups, cursors for sweeps. */
export interface AvailabilityProbe {
  readonly hardBusy: IntervalQueries
  readonly tentative: IntervalQueries
  readonly working: IntervalQueries
}

// The two questions asked of every attendee for every occurrence. They return plain values
// rather than a record because the sweep asks them millions of times.

/** 'busy' if a busy occurrence overlaps the meeting, else 'tentative' if a tentative one does, else null. */
export function blockedBy(probe: AvailabilityProbe, meeting: Interval): 'busy' | 'tentative' | null {
  return probe.hardBusy.overlaps(meeting) ? 'busy' : probe.tentative.overlaps(meeting) ? 'tentative' : null
}

/** Minutes of the meeting outside the attendee's working time. */
export function outOfHoursMinutes(probe: AvailabilityProbe, meeting: Interval): number {
  return (meeting.end - meeting.start - probe.working.overlapLength(meeting)) / 60_000
}

/**
 * The score of a candidate, summed over its occurrences (one for a single meeting). Lower is
 * better in every field; candidates are ordered by the fields in this order (see compareScores).
 * Event conflicts and time outside working hours are kept apart: a conflict needs someone to move
 * a commitment, while working late is a burden that can be shared fairly.
 */
export interface SlotScore {
  readonly startMs: number
  /** Occurrence starts that were scored (just [startMs] for a single meeting). */
  readonly occurrenceStartsMs: readonly number[]
  /**
   * Occurrences where the meeting does not fit: an organizer or required attendee is blocked or
   * outside working hours, or fewer than minAttendees are free inside their working hours.
   */
  readonly conflictingOccurrences: number
  /** Sum over occurrences of organizer/required attendees blocked by a busy or tentative event. */
  readonly requiredConflicts: number
  /** Sum over occurrences of how many attendees not blocked by events are missing to reach minAttendees. */
  readonly attendeeShortfall: number
  /** Sum over occurrences of optional attendees blocked by a busy or tentative event. */
  readonly optionalConflicts: number
  /** The out-of-hours minutes of the most burdened attendee (fairness across time zones). */
  readonly maxOutOfHoursMinutes: number
  /** Out-of-hours minutes of all attendees together. */
  readonly totalOutOfHoursMinutes: number
}

export function fits(score: SlotScore): boolean {
  return score.conflictingOccurrences === 0
}

/**
 * A scoring function for one query. It keeps cursors per attendee and set, so scoring candidates
 * in ascending start order walks each set once. A recurring candidate's occurrences jump far
 * ahead in time, but the k-th occurrences of successive candidates still ascend, so each
 * occurrence index gets its own cursors. Cost per candidate: O(occurrences × attendees), amortized.
 */
export function candidateScorer(
  request: MeetingRequest,
  timelines: readonly AttendeeTimeline[],
): (startMs: number, occurrenceStartsMs: readonly number[]) => SlotScore {
  const durationMs = request.durationMinutes * 60_000
  const probesByOccurrence: Array<Array<AvailabilityProbe & { readonly required: boolean }>> = []
  const probesFor = (k: number): Array<AvailabilityProbe & { readonly required: boolean }> =>
    (probesByOccurrence[k] ??= timelines.map((t) => ({
      required: t.role !== 'optional',
      hardBusy: new IntervalCursor(t.hardBusy),
      tentative: new IntervalCursor(t.tentative),
      working: new IntervalCursor(t.working),
    })))
  // Reused for every candidate: the sweep scores thousands of them.
  const burden = new Float64Array(timelines.length)
  return (startMs, occurrenceStartsMs) => {
    burden.fill(0)
    let conflictingOccurrences = 0
    let requiredConflicts = 0
    let attendeeShortfall = 0
    let optionalConflicts = 0
    for (let k = 0; k < occurrenceStartsMs.length; k++) {
      const occurrenceStart = occurrenceStartsMs[k]!
      const meeting = { start: occurrenceStart, end: occurrenceStart + durationMs }
      const probes = probesFor(k)
      let attending = 0
      let unblocked = 0
      let requiredMissing = false
      for (let i = 0; i < probes.length; i++) {
        const probe = probes[i]!
        const blocked = blockedBy(probe, meeting) !== null
        const outside = outOfHoursMinutes(probe, meeting)
        burden[i]! += outside
        if (!blocked && outside === 0) attending++
        else if (probe.required) requiredMissing = true
        if (!blocked) unblocked++
        else if (probe.required) requiredConflicts++
        else optionalConflicts++
      }
      if (requiredMissing || attending < request.minAttendees) conflictingOccurrences++
      attendeeShortfall += Math.max(0, request.minAttendees - unblocked)
    }
    let maxOutOfHoursMinutes = 0
    let totalOutOfHoursMinutes = 0
    for (const minutes of burden) {
      maxOutOfHoursMinutes = Math.max(maxOutOfHoursMinutes, minutes)
      totalOutOfHoursMinutes += minutes
    }
    return {
      startMs,
      occurrenceStartsMs,
      conflictingOccurrences,
      requiredConflicts,
      attendeeShortfall,
      optionalConflicts,
      maxOutOfHoursMinutes,
      totalOutOfHoursMinutes,
    }
  }
}

/**
 * The ranking: meetings that fit on every occurrence first (fewest misfit occurrences), then
 * fewer event conflicts of required attendees, a smaller shortfall from minAttendees, fewer event
 * conflicts of optional attendees, the least out-of-hours time for the most burdened attendee
 * (so late evenings are spread across time zones rather than piled on one), the least in total,
 * and finally the earliest start.
 */
export function compareScores(a: SlotScore, b: SlotScore): number {
  return (
    a.conflictingOccurrences - b.conflictingOccurrences ||
    a.requiredConflicts - b.requiredConflicts ||
    a.attendeeShortfall - b.attendeeShortfall ||
    a.optionalConflicts - b.optionalConflicts ||
    a.maxOutOfHoursMinutes - b.maxOutOfHoursMinutes ||
    a.totalOutOfHoursMinutes - b.totalOutOfHoursMinutes ||
    a.startMs - b.startMs
  )
}
