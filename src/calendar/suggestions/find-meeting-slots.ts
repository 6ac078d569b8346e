import { localDateOf, formatLocalDate } from '../availability/local-date.js'
import { buildTimelines, searchSpan, type AttendeeTimeline } from './attendee-timeline.js'
import { attendeeVerdict, type AttendeeVerdict } from './attendee-verdict.js'
import { candidateStarts, seriesPlanner } from './candidate-starts.js'
import { validateMeetingRequest, type AttendeeCalendar, type MeetingRequest, type MeetingRequestInput } from './meeting-request.js'
import { explainNoFit } from './no-fit-explanation.js'
import { candidateScorer, compareScores, fits, type SlotScore } from './slot-scoring.js'

/** How a recurring candidate fares over its occurrences. */
export interface SeriesSummary {
  readonly occurrences: number
  /** Occurrences where the meeting does not fit, with their local date in the organizer's zone. */
  readonly conflicting: ReadonlyArray<{ readonly startMs: number; readonly localDate: string }>
  /** e.g. "conflicts on 2 of 12 occurrences: 2026-03-18, 2026-11-20" */
  readonly summary: string
}

export interface MeetingSuggestion {
  readonly startMs: number
  readonly endMs: number
  /** Whether every occurrence has all required attendees and at least minAttendees. */
  readonly fits: boolean
  /** Attendees who can attend every occurrence. */
  readonly free: readonly string[]
  /** Attendees who miss at least one occurrence (busy, tentative or outside working hours). */
  readonly busy: readonly string[]
  readonly attendees: readonly AttendeeVerdict[]
  readonly series: SeriesSummary | null
  readonly score: Omit<SlotScore, 'occurrenceStartsMs'>
}

export interface SuggestionResult {
  /** Starts where the meeting fits, best first (at most `limit`). */
  readonly suggestions: readonly MeetingSuggestion[]
  /** When nothing fits: the best partial starts, best first (at most `limit`); else empty. */
  readonly partial: readonly MeetingSuggestion[]
  /** When nothing fits: why; else null. */
  readonly explanation: string | null
  readonly candidatesScored: number
  readonly priority: number
}

/**
 * Ranked meeting times for `input` (see compareScores for the order).
 *
 * Each attendee's availability is turned once into interval sets over the search span; the
 * candidate starts on the grid are then swept in ascending order with cursors per attendee, set
 * and occurrence index. A query costs O(A·(E log E + D)) to build the sets (A attendees, E event
 * occurrences, D days in the span), O(C·K·A) amortized to sweep C candidates of K occurrences
 * each (K = 1 for a single meeting), O(C log C) to rank, and detailed verdicts only for the
 * slots reported.
 */
export function findMeetingSlots(input: MeetingRequestInput, calendars: readonly AttendeeCalendar[]): SuggestionResult {
  const request = validateMeetingRequest(input, calendars)
  const timelines = buildTimelines(request, calendars, searchSpan(request))
  const organizerZone = timelines[0]!.zone
  const scores: SlotScore[] = []
  const occurrenceStarts = seriesPlanner(request, organizerZone)
  const score = candidateScorer(request, timelines)
  for (const start of candidateStarts(request, organizerZone)) {
    const starts = occurrenceStarts(start)
    if (starts !== null) scores.push(score(start, starts))
  }
  scores.sort(compareScores)
  const fitting = scores.filter(fits)
  const describe = (s: SlotScore): MeetingSuggestion => describeSlot(request, timelines, organizerZone, s)
  if (fitting.length > 0) {
    return {
      suggestions: fitting.slice(0, request.limit).map(describe),
      partial: [],
      explanation: null,
      candidatesScored: scores.length,
      priority: request.priority,
    }
  }
  return {
    suggestions: [],
    partial: scores.slice(0, request.limit).map(describe),
    explanation: explainNoFit(request, timelines, scores[0]),
    candidatesScored: scores.length,
    priority: request.priority,
  }
}

export function describeSlot(
  request: MeetingRequest,
  timelines: readonly AttendeeTimeline[],
  organizerZone: string,
  score: SlotScore,
): MeetingSuggestion {
  const durationMs = request.durationMinutes * 60_000
  const attendees = timelines.map((t) => attendeeVerdict(t, score.occurrenceStartsMs, durationMs))
  const { occurrenceStartsMs, ...breakdown } = score
  return {
    startMs: score.startMs,
    endMs: score.startMs + durationMs,
    fits: fits(score),
    free: attendees.filter((a) => a.status === 'free').map((a) => a.id),
    busy: attendees.filter((a) => a.status !== 'free').map((a) => a.id),
    attendees,
    series: request.recurrence === null ? null : summarizeSeries(request, timelines, organizerZone, occurrenceStartsMs),
    score: breakdown,
  }
}

function summarizeSeries(
  request: MeetingRequest,
  timelines: readonly AttendeeTimeline[],
  organizerZone: string,
  occurrenceStartsMs: readonly number[],
): SeriesSummary {
  const score = candidateScorer(request, timelines)
  const conflicting = occurrenceStartsMs
    .filter((start) => !fits(score(start, [start])))
    .map((startMs) => ({ startMs, localDate: formatLocalDate(localDateOf(startMs, organizerZone)) }))
  const n = occurrenceStartsMs.length
  const summary =
    conflicting.length === 0
      ? `no conflicts on ${n} occurrences`
      : `conflicts on ${conflicting.length} of ${n} occurrences: ${conflicting.map((c) => c.localDate).join(', ')}`
  return { occurrences: n, conflicting, summary }
}
