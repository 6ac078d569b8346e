import { formatInstantInZone } from '../time/time-zone.js'
import { CalendarInputError } from '../calendar-input-error.js'
import { buildTimelines, searchSpan } from './attendee-timeline.js'
import type { AttendeeVerdict, UnavailabilityReason } from './attendee-verdict.js'
import { seriesPlanner } from './candidate-starts.js'
import { describeSlot, type MeetingSuggestion } from './find-meeting-slots.js'
import { validateMeetingRequest, type AttendeeCalendar, type MeetingRecurrence } from './meeting-request.js'
import { candidateScorer } from './slot-scoring.js'

export interface ProposedMeeting {
  readonly organizer: string
  readonly required: readonly string[]
  readonly optional?: readonly string[]
  readonly startMs: number
  readonly durationMinutes: number
  readonly recurrence?: MeetingRecurrence | null
}

export interface ConflictReport {
  readonly meeting: MeetingSuggestion
  /** One readable line per problem, for the organizer's "book anyway" path. */
  readonly warnings: readonly string[]
}

/** Everything wrong with booking `proposal` at its exact time: who cannot attend which occurrence, and why. */
export function conflictReport(proposal: ProposedMeeting, calendars: readonly AttendeeCalendar[]): ConflictReport {
  const request = validateMeetingRequest(
    {
      organizer: proposal.organizer,
      required: proposal.required,
      optional: proposal.optional ?? [],
      durationMinutes: proposal.durationMinutes,
      window: { start: proposal.startMs, end: proposal.startMs + proposal.durationMinutes * 60_000 },
      granularityMinutes: 1,
      recurrence: proposal.recurrence ?? null,
    },
    calendars,
  )
  const timelines = buildTimelines(request, calendars, searchSpan(request))
  const organizerZone = timelines[0]!.zone
  const starts = seriesPlanner(request, organizerZone)(proposal.startMs)
  if (starts === null) {
    throw new CalendarInputError('recurrence', `recurrence: the start ${formatInstantInZone(proposal.startMs, organizerZone)} is not an occurrence of the rule`)
  }
  const meeting = describeSlot(request, timelines, organizerZone, candidateScorer(request, timelines)(proposal.startMs, starts))
  return { meeting, warnings: meeting.attendees.flatMap(warningsOf) }
}

function warningsOf(attendee: AttendeeVerdict): string[] {
  return attendee.reasons.map((reason: UnavailabilityReason) => {
    const at = formatInstantInZone(reason.occurrenceStartMs, attendee.zone)
    if (reason.kind === 'outside-working-hours') {
      return `${attendee.id} (${attendee.role}): ${reason.minutes} minutes outside working hours at ${at}`
    }
    const events = reason.eventIds === null ? '' : ` (${reason.eventIds.join(', ')})`
    return `${attendee.id} (${attendee.role}): ${reason.transparency}${events} at ${at}`
  })
}
