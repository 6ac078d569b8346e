import { busyTimeOf, expandEvents } from '../availability/busy-time.js'
import type { EventOccurrence } from '../availability/event-occurrences.js'
import { workingIntervals } from '../availability/working-time.js'
import type { Interval, IntervalSet } from '../intervals/interval-set.js'
import { defaultHorizonEndMs, type AttendeeCalendar, type AttendeeRole, type MeetingRequest, type MeetingRequestInput } from './meeting-request.js'

/**
 * One attendee's availability over the search span, computed once per query so that every
 * candidate is judged by cheap interval look-ups.
 */
export interface AttendeeTimeline {
  readonly id: string
  readonly role: AttendeeRole
  readonly zone: string
  readonly working: IntervalSet
  /** Time blocked by at least one busy occurrence. */
  readonly hardBusy: IntervalSet
  /** Time blocked only by tentative occurrences. */
  readonly tentative: IntervalSet
  /** The blocking occurrences, when the events are known (so conflicts can name them); else null. */
  readonly occurrences: readonly EventOccurrence[] | null
}

/**
 * The span every candidate occurrence of `request` lies in: what an attendee's free/busy must
 * cover (also asked before validation, to fetch other offices' free/busy).
 */
export function searchSpan(request: MeetingRequestInput): Interval {
  const durationMs = request.durationMinutes * 60_000
  const { recurrence, window } = request
  return recurrence === undefined || recurrence === null
    ? window
    : { start: window.start, end: (recurrence.horizonEndMs ?? defaultHorizonEndMs(window)) + durationMs }
}

/** Timelines in attendee order: organizer, then required, then optional. */
export function buildTimelines(request: MeetingRequest, calendars: readonly AttendeeCalendar[], span: Interval): AttendeeTimeline[] {
  const byId = new Map(calendars.map((c) => [c.id, c]))
  // Colleagues without personal changes have equal schedules: convert each distinct one once.
  const workingBySchedule = new Map<string, IntervalSet>()
  const roles: Array<[string, AttendeeRole]> = [
    [request.organizer, 'organizer'],
    ...request.required.map((id): [string, AttendeeRole] => [id, 'required']),
    ...request.optional.map((id): [string, AttendeeRole] => [id, 'optional']),
  ]
  return roles.map(([id, role]) => {
    const calendar = byId.get(id)! // validateMeetingRequest checked every id
    if (calendar.kind === 'intervals') {
      const busy = calendar.busy.clip(span)
      const tentative = calendar.tentative.intersect(busy)
      return { id, role, zone: calendar.zone, working: calendar.working.clip(span), hardBusy: busy.subtract(tentative), tentative, occurrences: null }
    }
    const key = JSON.stringify(calendar.schedule)
    let working = workingBySchedule.get(key)
    if (working === undefined) {
      working = workingIntervals(calendar.schedule, span)
      workingBySchedule.set(key, working)
    }
    const occurrences = expandEvents(calendar.events, span).filter((o) => o.transparency !== 'free')
    const { busy, tentative } = busyTimeOf(occurrences, span)
    return { id, role, zone: calendar.zone, working, hardBusy: busy.subtract(tentative), tentative, occurrences }
  })
}
