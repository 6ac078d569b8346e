/**
 * Read-only calendar queries over an office's applied state: a person's agenda, free/busy (busy
 * and working intervals only, no details), meeting suggestions and a conflict report for people
 * of this office. Callers choose the consistency (a read barrier first, or not).
 */
import { busyIntervals } from '../calendar/availability/busy-time.js'
import { expandEvent } from '../calendar/availability/event-occurrences.js'
import { mergeSchedules } from '../calendar/availability/work-schedule.js'
import { workingIntervals } from '../calendar/availability/working-time.js'
import { IntervalSet, type Interval } from '../calendar/intervals/interval-set.js'
import { conflictReport } from '../calendar/suggestions/conflict-report.js'
import { findMeetingSlots, type MeetingSuggestion } from '../calendar/suggestions/find-meeting-slots.js'
import type { AttendeeCalendar, MeetingRequestInput } from '../calendar/suggestions/meeting-request.js'
import { formatInstantUtc } from '../calendar/time/time-zone.js'
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import type { OfficeCalendarSettings } from './calendar-apply-context.js'
import type { AgendaResult, ConflictReportResult, FreeBusyUser, SuggestionView, SuggestResult } from './calendar-api.js'
import type { UserRecord } from './calendar-records.js'
import { eventsOverlapping, listEvents, listHolds, type BulkKeyspaceReader } from './calendar-store.js'
import { occurrenceView } from './calendar-views.js'

export async function agenda(reader: BulkKeyspaceReader, user: UserRecord, window: Interval): Promise<AgendaResult> {
  const stored = await eventsOverlapping(reader, user.id, window.start, window.end)
  const events = stored
    .flatMap((s) => expandEvent(s.event, window).map((o) => ({ o, view: occurrenceView(s, o) })))
    .sort((a, b) => a.o.startMs - b.o.startMs || a.o.endMs - b.o.endMs || (a.view.id < b.view.id ? -1 : 1))
    .map((x) => x.view)
  return { user: user.id, tz: user.schedule.zone, events }
}

/**
 * Free/busy of several people over one window. Busy time includes live holds; `nowMs` decides
 * which holds are live (a read, so a local clock is fine). Colleagues without personal changes
 * share a schedule: its working time is converted once (day by day through the zone database,
 * the larger part of an answer's CPU in the cross-office availability profile).
 */
export async function freeBusyOf(reader: BulkKeyspaceReader, users: readonly UserRecord[], window: Interval, office: OfficeCalendarSettings, nowMs: number): Promise<FreeBusyUser[]> {
  const workingBySchedule = new Map<string, IntervalSet>()
  const workingOf = (user: UserRecord): IntervalSet => {
    const schedule = mergeSchedules(office.schedule, user.schedule, 'user')
    const key = JSON.stringify(schedule)
    let working = workingBySchedule.get(key)
    if (working === undefined) workingBySchedule.set(key, (working = workingIntervals(schedule, window)))
    return working
  }
  return Promise.all(users.map((user) => freeBusy(reader, user, window, workingOf(user), nowMs)))
}

async function freeBusy(reader: BulkKeyspaceReader, user: UserRecord, window: Interval, working: IntervalSet, nowMs: number): Promise<FreeBusyUser> {
  const events = (await eventsOverlapping(reader, user.id, window.start, window.end)).map((s) => s.event)
  const { busy, tentative } = busyIntervals(events, window)
  const live = (await listHolds(reader, user.id)).filter((h) => h.leaseExpiresMs > nowMs)
  const held = live.flatMap((h) => h.intervals)
  const allBusy = busy.union(IntervalSet.of(held).clip(window))
  const validUntilMs = live.length === 0 ? null : Math.min(...live.map((h) => h.leaseExpiresMs))
  return { id: user.id, tz: user.schedule.zone, busy: views(allBusy), tentative: views(tentative.subtract(IntervalSet.of(held))), working: views(working), validUntilMs }
}

function views(set: IntervalSet): Array<{ start: string; end: string }> {
  return set.intervals().map((i) => ({ start: formatInstantUtc(i.start), end: formatInstantUtc(i.end) }))
}

export async function attendeeCalendar(reader: KeyspaceReader, user: UserRecord, office: OfficeCalendarSettings): Promise<AttendeeCalendar> {
  return {
    kind: 'events',
    id: user.id,
    zone: user.schedule.zone,
    schedule: mergeSchedules(office.schedule, user.schedule, 'user'),
    events: (await listEvents(reader, user.id)).map((s) => s.event),
  }
}

export interface SuggestInput {
  readonly organizer: string
  readonly required: readonly string[]
  readonly optional: readonly string[]
  readonly durationMinutes: number
  readonly window: Interval
  readonly granularityMinutes?: number | undefined
  readonly minAttendees?: number | undefined
  readonly lines: readonly string[]
  readonly limit?: number | undefined
}

export function suggest(input: SuggestInput, calendars: readonly AttendeeCalendar[]): SuggestResult {
  const result = findMeetingSlots(meetingRequestOf(input), calendars)
  return { suggestions: result.suggestions.map(suggestionView), explanation: result.explanation }
}

/** The suggestion engine's request for `input`. */
export function meetingRequestOf(input: SuggestInput): MeetingRequestInput {
  return {
    organizer: input.organizer,
    required: input.required,
    optional: input.optional,
    durationMinutes: input.durationMinutes,
    window: input.window,
    ...(input.granularityMinutes === undefined ? {} : { granularityMinutes: input.granularityMinutes }),
    ...(input.minAttendees === undefined ? {} : { minAttendees: input.minAttendees }),
    ...(input.limit === undefined ? {} : { limit: input.limit }),
    recurrence: input.lines.length === 0 ? null : { lines: input.lines },
  }
}

export interface ConflictCheckInput {
  readonly organizer: string
  readonly required: readonly string[]
  readonly optional: readonly string[]
  readonly startMs: number
  readonly durationMinutes: number
  readonly lines: readonly string[]
}

export function reportConflicts(input: ConflictCheckInput, calendars: readonly AttendeeCalendar[]): ConflictReportResult {
  const report = conflictReport(
    {
      organizer: input.organizer,
      required: input.required,
      optional: input.optional,
      startMs: input.startMs,
      durationMinutes: input.durationMinutes,
      recurrence: input.lines.length === 0 ? null : { lines: input.lines },
    },
    calendars,
  )
  return { ...suggestionView(report.meeting), warnings: report.warnings }
}

function suggestionView(s: MeetingSuggestion): SuggestionView {
  return { start: formatInstantUtc(s.startMs), end: formatInstantUtc(s.endMs), free: s.free, busy: s.busy, fits: s.fits }
}
