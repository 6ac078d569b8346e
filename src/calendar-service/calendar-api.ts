/**
 * The calendar's RPC methods: parameter schemas (checked at the boundary, errors name the field)
 * and result types, shared by the replica and the typed client. Times are text as the user typed
 * them: with Z or an offset an instant, without one a wall time in `tz` or the user's zone.
 */
import { z } from 'zod'
import type { Transparency } from '../calendar/availability/calendar-event.js'
import type { WorkSchedule } from '../calendar/availability/work-schedule.js'
import type { ImportOutcome } from './calendar-command.js'
import type { InvitationResponse, NotificationRecord } from './calendar-records.js'

export const personId = z
  .string({ error: 'expected a user id (string)' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/, { error: 'expected a user id: 1-64 letters, digits, ".", "_", "@" or "-"' })
const officeId = z.string().regex(/^[a-z][a-z0-9]{0,15}$/, { error: 'expected an office id' })
const recordId = z.string({ error: 'expected an id' }).regex(/^[a-z]+-[a-z0-9]+-\d+$/, { error: 'expected an id such as "mtg-nyc-42"' })
const timeText = z.string({ error: 'expected a time "YYYY-MM-DDTHH:MM" (local) or an instant with Z/offset' }).min(10).max(40)
const zoneName = z.string({ error: 'expected an IANA time zone name' }).min(1).max(64)
const timeOfDay = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, { error: 'expected a time of day "HH:MM"' })
const timeRange = z.strictObject({ start: timeOfDay, end: timeOfDay })
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { error: 'expected a date "YYYY-MM-DD"' })
const ruleLines = z.array(z.string().min(1).max(2000)).max(50)
const version = z.int().min(0).optional()
const minutes = z.int({ error: 'expected whole minutes' }).min(1, { error: 'expected at least 1 minute' }).max(527_040)
const title = z.string().max(500)
/** 1 (the default) to 1000: a higher priority may displace a lower one's tentative cross-office hold. */
export const priority = z.int({ error: 'expected a priority: a whole number from 1 to 1000' }).min(1).max(1000)

const scheduleFields = {
  id: personId,
  tz: zoneName.optional(),
  /** ISO weekday "1" (Monday) .. "7" -> hours that day; [] = day off. */
  weekly: z.partialRecord(z.enum(['1', '2', '3', '4', '5', '6', '7'], { error: 'expected an ISO weekday 1-7' }), z.array(timeRange).max(8)).optional(),
  lunch: timeRange.nullable().optional(),
  holidays: z.array(date).max(400).optional(),
  overrides: z
    .record(date, z.array(timeRange).max(8))
    .refine((o) => Object.keys(o).length <= 400, { error: 'expected at most 400 dates with overridden hours' })
    .optional(),
}

const exception = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('cancelled'), originalStart: timeText }),
  z.strictObject({ kind: z.literal('moved'), originalStart: timeText, start: timeText, durationMinutes: minutes.optional() }),
])

const eventFields = {
  user: personId,
  /** A timed event: start and end (or durationMinutes); all-day: start is a date and `days` is set. */
  start: timeText,
  end: timeText.optional(),
  durationMinutes: minutes.optional(),
  days: z.int().min(1).max(366).optional(),
  tz: zoneName.optional(),
  title: title.optional(),
  rules: ruleLines.optional(),
  exceptions: z.array(exception).max(1000).optional(),
  transparency: z.enum(['busy', 'tentative', 'free']).optional(),
}

/** Who an imported event is in its .ics file: event.import finds the event an earlier import stored by it. */
const icalIdentity = z.strictObject({
  uid: z.string({ error: 'expected the iCalendar UID' }).min(1).max(300),
  recurrenceId: z.string().min(1).max(200).nullable(),
  sequence: z.int({ error: 'expected the SEQUENCE, a whole number' }).min(0).max(2_147_483_647),
  lastModifiedMs: z.int({ error: 'expected LAST-MODIFIED as epoch milliseconds' }).min(0).nullable(),
})

/** A query's span: instants, or wall times in `tz` (the user's zone when absent). */
export const windowFields = { from: timeText, to: timeText, tz: zoneName.optional() }
const window = windowFields

/**
 * What one read may cost, checked before any work: a window of at most MAX_QUERY_DAYS, and at
 * most MAX_PERSON_DAYS over all the people asked (each person-day of free/busy means expanding that
 * person's events and working hours for the day). Before these bounds one free/busy call over 300
 * years took 46 s of CPU and 500 MB of heap on the replica, and its answer was over the frame limit anyway.
 */
export const MAX_QUERY_DAYS = 366
export const MAX_PERSON_DAYS = 36_600
const DAY_MS = 86_400_000

/** Refines a query's params: its window, and its people times its days, within the bounds above. */
export function withinQueryBudget<P extends { readonly from: string; readonly to: string }>(people: (params: P) => number) {
  return (p: P, ctx: z.RefinementCtx): void => {
    // Wall times parse in this process's zone, instants exactly: within a day of the true length,
    // which the slack absorbs. Unparseable times are left to the handler, which names them.
    const days = (Date.parse(p.to) - Date.parse(p.from)) / DAY_MS
    if (!Number.isFinite(days)) return
    if (days > MAX_QUERY_DAYS + 1) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `the window from ${p.from} is ${Math.round(days)} days long; at most ${MAX_QUERY_DAYS} days per query (ask in parts)` })
      return
    }
    const count = people(p)
    if (count * days > MAX_PERSON_DAYS + count) {
      ctx.addIssue({ code: 'custom', path: ['to'], message: `${count} people over ${Math.round(days)} days is more than ${MAX_PERSON_DAYS} person-days per query (ask for fewer people or a shorter window)` })
    }
  }
}

/** How old another office's free/busy may be when answered from the cache; absent: read it linearizably. */
export const maxStalenessMs = z
  .int({ error: 'expected whole milliseconds' })
  .min(0, { error: 'expected a staleness of 0-3600000 ms' })
  .max(3_600_000, { error: 'expected a staleness of 0-3600000 ms' })

export const CALENDAR_PARAM_SCHEMAS = {
  'user.add': z.strictObject({ ...scheduleFields, office: officeId }),
  'user.update': z.strictObject({ ...scheduleFields, expectedVersion: version }),
  'user.get': z.strictObject({ id: personId, stale: z.boolean().optional() }),
  'user.list': z.strictObject({ stale: z.boolean().optional() }),
  'event.add': z.strictObject(eventFields),
  'event.import': z.strictObject({ ...eventFields, ical: icalIdentity }),
  'event.update': z.strictObject({ ...eventFields, eventId: recordId, expectedVersion: version }),
  'event.delete': z.strictObject({ user: personId, eventId: recordId, expectedVersion: version }),
  'event.list': z.strictObject({ user: personId }),
  'meeting.book': z.strictObject({
    organizer: personId,
    attendees: z.array(personId).max(200),
    optional: z.array(personId).max(200).optional(),
    start: timeText,
    durationMinutes: minutes,
    tz: zoneName.optional(),
    title: title.optional(),
    rules: ruleLines.optional(),
    override: z.boolean().optional(),
    priority: priority.optional(),
  }),
  'meeting.update': z.strictObject({
    id: recordId,
    /** Move only the occurrence starting here (a series); absent: the whole meeting. */
    occurrence: timeText.optional(),
    start: timeText.optional(),
    durationMinutes: minutes.optional(),
    tz: zoneName.optional(),
    title: title.optional(),
    expectedVersion: version,
    override: z.boolean().optional(),
    priority: priority.optional(),
  }),
  'meeting.cancel': z.strictObject({ id: recordId, occurrence: timeText.optional(), expectedVersion: version }),
  'meeting.respond': z.strictObject({ id: recordId, user: personId, response: z.enum(['accepted', 'declined', 'tentative']) }),
  'meeting.get': z.strictObject({ id: recordId }),
  /** stale: any replica's applied state, however old; maxStalenessMs: any replica's, at most that old (else linearizable). */
  'calendar.agenda': z.strictObject({ user: personId, ...window, stale: z.boolean().optional(), maxStalenessMs: maxStalenessMs.optional() }).superRefine(withinQueryBudget(() => 1)),
  'calendar.freeBusy': z.strictObject({
    users: z.array(personId).min(1).max(500),
    ...window,
    /** Leave out people this office does not hold instead of answering NOT_FOUND (another office asking before it knows where they live). */
    skipUnknown: z.boolean().optional(),
    /** Any replica's applied state at most this old (else a linearizable read). */
    maxStalenessMs: maxStalenessMs.optional(),
  }).superRefine(withinQueryBudget((p) => p.users.length)),
  'calendar.suggest': z.strictObject({
    organizer: personId,
    attendees: z.array(personId).max(200),
    optional: z.array(personId).max(200).optional(),
    durationMinutes: minutes,
    ...window,
    granularityMinutes: z.int().min(1).max(1440).optional(),
    minAttendees: z.int().min(1).max(401).optional(),
    rules: ruleLines.optional(),
    limit: z.int().min(1).max(100).optional(),
    maxStalenessMs: maxStalenessMs.optional(),
  }).superRefine(withinQueryBudget((p) => 1 + p.attendees.length + (p.optional?.length ?? 0))),
  'calendar.conflicts': z.strictObject({
    organizer: personId,
    attendees: z.array(personId).max(200),
    optional: z.array(personId).max(200).optional(),
    start: timeText,
    durationMinutes: minutes,
    tz: zoneName.optional(),
    rules: ruleLines.optional(),
    maxStalenessMs: maxStalenessMs.optional(),
  }),
  'notifications.poll': z.strictObject({
    user: personId,
    /** Return notifications with a larger seq than this (0: from the first). */
    after: z.int().min(0),
    /** How long to wait when there is nothing yet; 0 answers at once. */
    waitMs: z.int().min(0).max(60_000),
    limit: z.int().min(1).max(1000).optional(),
  }),
} as const

type Params<K extends keyof typeof CALENDAR_PARAM_SCHEMAS> = z.input<(typeof CALENDAR_PARAM_SCHEMAS)[K]>

export interface UserView {
  readonly id: string
  readonly office: string
  readonly tz: string
  readonly version: number
  readonly schedule: WorkSchedule
}

export interface EventView {
  readonly id: string
  readonly title: string
  readonly start: string
  readonly end: string
  readonly meetingId: string | null
  readonly transparency: Transparency
}

export interface AgendaResult {
  readonly user: string
  readonly tz: string
  readonly events: readonly EventView[]
}

export interface StoredEventView {
  readonly id: string
  readonly user: string
  readonly title: string
  readonly tz: string
  /** Wall-clock start in `tz` and, for reference, its instant. */
  readonly localStart: string
  readonly start: string
  readonly durationMinutes: number | null
  readonly allDayDays: number | null
  readonly rules: readonly string[]
  /** Occurrences cancelled or moved on their own, wall times in `tz`: what event.add takes back. */
  readonly exceptions: readonly ExceptionView[]
  readonly transparency: Transparency
  readonly meetingId: string | null
  readonly version: number
}

export type ExceptionView = z.input<typeof exception>

export interface ConflictView {
  readonly user: string
  readonly start: string
  readonly end: string
  readonly eventId: string | null
  readonly holdId: string | null
  readonly meetingStart: string
}

export interface MeetingView {
  readonly id: string
  readonly status: 'booked' | 'cancelled'
  readonly organizer: string
  readonly attendees: readonly string[]
  readonly optional: readonly string[]
  readonly title: string
  readonly tz: string
  readonly start: string
  readonly end: string
  readonly durationMinutes: number
  readonly rules: readonly string[]
  readonly cancelledOccurrences: readonly string[]
  /** Occurrences moved on their own: where the series had them, and where they are now. */
  readonly movedOccurrences: ReadonlyArray<{ readonly originalStart: string; readonly start: string; readonly end: string }>
  readonly responses: Readonly<Record<string, InvitationResponse>>
  readonly warnings: readonly string[]
  readonly version: number
}

export type BookingResult =
  | { readonly id: string; readonly status: 'booked'; readonly version: number; readonly warnings: readonly string[]; readonly conflicts: readonly ConflictView[]; readonly notified: readonly string[] }
  | { readonly id: null; readonly status: 'conflict'; readonly conflicts: readonly ConflictView[] }

export interface CancelResult {
  readonly id: string
  readonly status: 'cancelled'
  readonly occurrence: string | null
  readonly notified: readonly string[]
  readonly version: number
}

export interface FreeBusyUser {
  readonly id: string
  readonly tz: string
  readonly busy: ReadonlyArray<{ readonly start: string; readonly end: string }>
  readonly tentative: ReadonlyArray<{ readonly start: string; readonly end: string }>
  readonly working: ReadonlyArray<{ readonly start: string; readonly end: string }>
  /** When this answer changes with no log entry (the earliest live hold's lease end, epoch ms); null: not before a change. */
  readonly validUntilMs: number | null
}

export interface SuggestionView {
  readonly start: string
  readonly end: string
  readonly free: readonly string[]
  readonly busy: readonly string[]
  readonly fits: boolean
}

export interface SuggestResult {
  readonly suggestions: readonly SuggestionView[]
  readonly explanation: string | null
}

export interface ConflictReportResult {
  readonly start: string
  readonly end: string
  readonly free: readonly string[]
  readonly busy: readonly string[]
  readonly fits: boolean
  readonly warnings: readonly string[]
}

export interface PollResult {
  readonly user: string
  readonly notifications: readonly NotificationRecord[]
  /** The seq to pass as `after` next time. */
  readonly last: number
}

export type CalendarMethods = {
  readonly 'user.add': { readonly params: Params<'user.add'>; readonly result: UserView }
  readonly 'user.update': { readonly params: Params<'user.update'>; readonly result: UserView }
  readonly 'user.get': { readonly params: Params<'user.get'>; readonly result: UserView }
  readonly 'user.list': { readonly params: Params<'user.list'>; readonly result: { readonly users: readonly UserView[] } }
  readonly 'event.add': { readonly params: Params<'event.add'>; readonly result: { readonly id: string; readonly user: string; readonly version: number; readonly calendarVersion: number } }
  readonly 'event.import': {
    readonly params: Params<'event.import'>
    readonly result: { readonly id: string; readonly user: string; readonly version: number; readonly calendarVersion: number; readonly outcome: ImportOutcome }
  }
  readonly 'event.update': { readonly params: Params<'event.update'>; readonly result: { readonly id: string; readonly user: string; readonly version: number; readonly calendarVersion: number } }
  readonly 'event.delete': { readonly params: Params<'event.delete'>; readonly result: { readonly id: string; readonly user: string; readonly deleted: true; readonly calendarVersion: number } }
  readonly 'event.list': { readonly params: Params<'event.list'>; readonly result: { readonly user: string; readonly events: readonly StoredEventView[] } }
  readonly 'meeting.book': { readonly params: Params<'meeting.book'>; readonly result: BookingResult }
  readonly 'meeting.update': { readonly params: Params<'meeting.update'>; readonly result: BookingResult }
  readonly 'meeting.cancel': { readonly params: Params<'meeting.cancel'>; readonly result: CancelResult }
  readonly 'meeting.respond': { readonly params: Params<'meeting.respond'>; readonly result: MeetingView }
  readonly 'meeting.get': { readonly params: Params<'meeting.get'>; readonly result: MeetingView }
  readonly 'calendar.agenda': { readonly params: Params<'calendar.agenda'>; readonly result: AgendaResult }
  readonly 'calendar.freeBusy': { readonly params: Params<'calendar.freeBusy'>; readonly result: { readonly users: readonly FreeBusyUser[]; readonly appliedIndex: number } }
  readonly 'calendar.suggest': { readonly params: Params<'calendar.suggest'>; readonly result: SuggestResult }
  readonly 'calendar.conflicts': { readonly params: Params<'calendar.conflicts'>; readonly result: ConflictReportResult }
  readonly 'notifications.poll': { readonly params: Params<'notifications.poll'>; readonly result: PollResult }
}
