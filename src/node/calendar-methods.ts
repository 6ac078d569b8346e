/**
 * The calendar's RPC methods on an office replica: parameters resolved against the applied state
 * (a person's zone), commands proposed through Raft, queries answered after a read barrier.
 */
import { CalendarInputError } from '../calendar/calendar-input-error.js'
import { CALENDAR_PARAM_SCHEMAS } from '../calendar-service/calendar-api.js'
import type { OfficeCalendarSettings } from '../calendar-service/calendar-apply-context.js'
import type { CalendarCommand, CalendarResult } from '../calendar-service/calendar-command.js'
import { agenda, freeBusyOf, meetingRequestOf, reportConflicts, suggest } from '../calendar-service/calendar-queries.js'
import type { UserRecord } from '../calendar-service/calendar-records.js'
import { instantOf, resolveEventSpec, resolveMeetingSpec, resolveMeetingUpdate, resolveUserSpec, resolveWindow } from '../calendar-service/calendar-request-resolution.js'
import { listEvents, listUsers, notificationsAfter, readMeeting, readUser, type BulkKeyspaceReader } from '../calendar-service/calendar-store.js'
import { bookingResult, cancelResult, meetingView, storedEventView, userView } from '../calendar-service/calendar-views.js'
import { attendeesOf } from '../calendar-service/meeting-booking.js'
import { RpcError } from '../rpc/rpc-error.js'
import { userElsewhereError } from '../directory/user-elsewhere.js'
import type { RequestContext, RpcServer } from '../rpc/rpc-server.js'
import type { NotificationWaiters } from './notification-waiters.js'
import { attendeeCalendarsAnywhere } from '../free-busy/attendee-calendars.js'
import type { FreeBusyFanOut } from '../free-busy/free-busy-fan-out.js'
import { searchSpan } from '../calendar/suggestions/attendee-timeline.js'

export interface CalendarMethodDeps {
  readonly store: BulkKeyspaceReader
  readonly office: OfficeCalendarSettings
  readonly waiters: NotificationWaiters
  readonly propose: (command: CalendarCommand, ctx: RequestContext) => Promise<CalendarResult>
  /** Waits until this replica has applied everything committed before the call (or not, when stale). */
  readonly readBarrier: (stale: boolean, ctx: RequestContext) => Promise<void>
  /** Waits only if this replica's applied state may be older than `maxStalenessMs` (then as readBarrier). */
  readonly boundedRead: (maxStalenessMs: number, ctx: RequestContext) => Promise<void>
  readonly now: () => number
  /** The replica's applied index (free/busy answers carry it: other offices' caches are versioned by it). */
  readonly appliedIndex: () => number
  /** Free/busy of other offices' people, for suggestions across offices. */
  readonly fanOut: FreeBusyFanOut
}

const DEFAULT_POLL_LIMIT = 100

export function registerCalendarMethods(rpc: RpcServer, deps: CalendarMethodDeps): void {
  const s = CALENDAR_PARAM_SCHEMAS
  const { store, office } = deps
  /** Not here: the error names the office the directory places the person in. */
  const elsewhere = async (id: string, field: string): Promise<never> => {
    throw await userElsewhereError(store, id, field, office.officeId)
  }
  const user = async (id: string, field = 'user'): Promise<UserRecord> => (await readUser(store, id)) ?? elsewhere(id, field)
  /**
   * A mutation's boundary reads this replica's applied state, which may lag the leader (a follower,
   * or a leader that has not applied everything yet): before answering "not found", catch up.
   */
  const fresh = async <T>(ctx: RequestContext, look: () => Promise<T | null>): Promise<T | null> => {
    const found = await look()
    if (found !== null) return found
    await deps.readBarrier(false, ctx)
    return look()
  }
  const userForWrite = async (id: string, field: string, ctx: RequestContext): Promise<UserRecord> =>
    (await fresh(ctx, () => readUser(store, id))) ?? elsewhere(id, field)
  /** A meeting this office may change alone: one whose attendees are all here (others change through 2PC). */
  const meetingForWrite = async (id: string, ctx: RequestContext, instead = 'change it with xoffice.cancel or xoffice.move') => {
    const meeting = (await fresh(ctx, () => readMeeting(store, id))) ?? notFound(`id: meeting "${id}" does not exist`)
    const away = (await Promise.all(attendeesOf(meeting).map(async (u) => ((await readUser(store, u)) === null ? u : null)))).filter((u) => u !== null)
    if (away.length > 0) {
      throw RpcError.of('BAD_REQUEST', `id: meeting "${id}" has attendees in other offices (${away.join(', ')}); ${instead} (the client library does this)`)
    }
    return meeting
  }
  const calendar = async (command: CalendarCommand, ctx: RequestContext) => deps.propose(command, ctx)
  const read = (stale: boolean | undefined, ctx: RequestContext) => deps.readBarrier(stale === true, ctx)
  /** A query's consistency: linearizable, or within a staleness bound (any replica), or `stale` (any replica, any age). */
  const readFor = (p: { readonly stale?: boolean | undefined; readonly maxStalenessMs?: number | undefined }, ctx: RequestContext) =>
    p.maxStalenessMs === undefined ? read(p.stale, ctx) : deps.boundedRead(p.maxStalenessMs, ctx)

  rpc
    .method('user.add', s['user.add'], boundary(async (p, ctx) => {
      if (p.office !== office.officeId) throw RpcError.of('BAD_REQUEST', `office: user "${p.id}" is for office ${p.office}; this is office ${office.officeId}`)
      return userView(expectKind(await calendar({ kind: 'user.add', user: resolveUserSpec(p, office) }, ctx), 'user').user, office)
    }))
    .method('user.update', s['user.update'], boundary(async (p, ctx) => {
      const command: CalendarCommand = { kind: 'user.update', user: resolveUserSpec(p, office), expectedVersion: p.expectedVersion ?? null }
      return userView(expectKind(await calendar(command, ctx), 'user').user, office)
    }))
    .method('user.get', s['user.get'], boundary(async (p, ctx) => {
      await read(p.stale, ctx)
      return userView(await user(p.id, 'id'), office)
    }))
    .method('user.list', s['user.list'], boundary(async (p, ctx) => {
      await read(p.stale, ctx)
      return { users: (await listUsers(store)).map((u) => userView(u, office)) }
    }))
    .method('event.add', s['event.add'], boundary(async (p, ctx) => {
      const owner = await userForWrite(p.user, 'user', ctx)
      const result = expectKind(await calendar({ kind: 'event.add', user: owner.id, event: resolveEventSpec(p, owner.schedule.zone) }, ctx), 'event')
      return { id: result.eventId, user: result.user, version: result.version, calendarVersion: result.calendarVersion }
    }))
    .method('event.import', s['event.import'], boundary(async (p, ctx) => {
      const owner = await userForWrite(p.user, 'user', ctx)
      const command: CalendarCommand = { kind: 'event.import', user: owner.id, event: resolveEventSpec(p, owner.schedule.zone), origin: p.ical }
      const result = expectKind(await calendar(command, ctx), 'eventImported')
      return { id: result.eventId, user: result.user, version: result.version, calendarVersion: result.calendarVersion, outcome: result.outcome }
    }))
    .method('event.update', s['event.update'], boundary(async (p, ctx) => {
      const owner = await userForWrite(p.user, 'user', ctx)
      const command: CalendarCommand = { kind: 'event.update', user: owner.id, eventId: p.eventId, event: resolveEventSpec(p, owner.schedule.zone), expectedVersion: p.expectedVersion ?? null }
      const result = expectKind(await calendar(command, ctx), 'event')
      return { id: result.eventId, user: result.user, version: result.version, calendarVersion: result.calendarVersion }
    }))
    .method('event.delete', s['event.delete'], boundary(async (p, ctx) => {
      const result = expectKind(await calendar({ kind: 'event.delete', user: p.user, eventId: p.eventId, expectedVersion: p.expectedVersion ?? null }, ctx), 'eventDeleted')
      return { id: result.eventId, user: result.user, deleted: true as const, calendarVersion: result.calendarVersion }
    }))
    .method('event.list', s['event.list'], boundary(async (p, ctx) => {
      await read(false, ctx)
      const owner = await user(p.user)
      return { user: owner.id, events: (await listEvents(store, owner.id)).map(storedEventView) }
    }))
    .method('meeting.book', s['meeting.book'], boundary(async (p, ctx) => {
      const organizer = await userForWrite(p.organizer, 'organizer', ctx)
      await requireLocal((id) => fresh(ctx, () => readUser(store, id)), office, p.attendees, p.optional ?? [])
      const command: CalendarCommand = { kind: 'meeting.book', meeting: resolveMeetingSpec(p, organizer.schedule.zone), override: p.override === true }
      return bookingResult(expectKind(await calendar(command, ctx), 'booking').outcome)
    }))
    .method('meeting.update', s['meeting.update'], boundary(async (p, ctx) => {
      const current = await meetingForWrite(p.id, ctx)
      const change = resolveMeetingUpdate(p, current.zone)
      const command: CalendarCommand = { kind: 'meeting.update', meetingId: p.id, ...change, expectedVersion: p.expectedVersion ?? null, override: p.override === true }
      return bookingResult(expectKind(await calendar(command, ctx), 'booking').outcome)
    }))
    .method('meeting.cancel', s['meeting.cancel'], boundary(async (p, ctx) => {
      const current = await meetingForWrite(p.id, ctx)
      const occurrenceStartMs = p.occurrence === undefined ? null : instantOf(p.occurrence, current.zone, 'occurrence')
      const result = expectKind(await calendar({ kind: 'meeting.cancel', meetingId: p.id, occurrenceStartMs, expectedVersion: p.expectedVersion ?? null }, ctx), 'meeting')
      return cancelResult(result.meeting, occurrenceStartMs, result.notified)
    }))
    .method('meeting.respond', s['meeting.respond'], boundary(async (p, ctx) => {
      await meetingForWrite(p.id, ctx, 'answer it with xoffice.respond')
      return meetingView(expectKind(await calendar({ kind: 'meeting.respond', meetingId: p.id, user: p.user, response: p.response }, ctx), 'meeting').meeting)
    }))
    .method('meeting.get', s['meeting.get'], boundary(async (p, ctx) => {
      await read(false, ctx)
      return meetingView((await readMeeting(store, p.id)) ?? notFound(`id: meeting "${p.id}" does not exist`))
    }))
    .method('calendar.agenda', s['calendar.agenda'], boundary(async (p, ctx) => {
      await readFor(p, ctx)
      const owner = await user(p.user)
      return agenda(store, owner, resolveWindow(p.from, p.to, p.tz ?? owner.schedule.zone))
    }))
    .method('calendar.freeBusy', s['calendar.freeBusy'], boundary(async (p, ctx) => {
      await readFor(p, ctx)
      // Read before the records, so the data is at least as new as the index it is cached under.
      const appliedIndex = deps.appliedIndex()
      const people =
        p.skipUnknown === true
          ? (await Promise.all(p.users.map((id) => readUser(store, id)))).filter((u): u is UserRecord => u !== null)
          : await Promise.all(p.users.map((id, i) => user(id, `users[${i}]`)))
      const window = resolveWindow(p.from, p.to, p.tz ?? 'UTC')
      const nowMs = deps.now()
      return { users: await freeBusyOf(store, people, window, office, nowMs), appliedIndex }
    }))
    .method('calendar.suggest', s['calendar.suggest'], boundary(async (p, ctx) => {
      await readFor(p, ctx)
      const optional = p.optional ?? []
      const organizer = await user(p.organizer, 'organizer')
      const window = resolveWindow(p.from, p.to, p.tz ?? organizer.schedule.zone)
      const input = { organizer: p.organizer, required: p.attendees, optional, durationMinutes: p.durationMinutes, window, granularityMinutes: p.granularityMinutes, minAttendees: p.minAttendees, lines: p.rules ?? [], limit: p.limit }
      const attendees = [...p.attendees.map((id, i) => ({ id, field: `attendees[${i}]` })), ...optional.map((id, i) => ({ id, field: `optional[${i}]` }))]
      const span = searchSpan(meetingRequestOf(input))
      return suggest(input, await attendeeCalendarsAnywhere({ store, office, fanOut: deps.fanOut }, organizer, attendees, span, p.maxStalenessMs ?? null))
    }))
    .method('calendar.conflicts', s['calendar.conflicts'], boundary(async (p, ctx) => {
      await readFor(p, ctx)
      const optional = p.optional ?? []
      const organizer = await user(p.organizer, 'organizer')
      const startMs = instantOf(p.start, p.tz ?? organizer.schedule.zone, 'start')
      const input = { organizer: p.organizer, required: p.attendees, optional, startMs, durationMinutes: p.durationMinutes, lines: p.rules ?? [] }
      const attendees = [...p.attendees.map((id, i) => ({ id, field: `attendees[${i}]` })), ...optional.map((id, i) => ({ id, field: `optional[${i}]` }))]
      // The span the report looks at: the meeting, or every occurrence up to the recurrence horizon.
      const span = searchSpan(meetingRequestOf({ ...input, window: { start: startMs, end: startMs + p.durationMinutes * 60_000 } }))
      return reportConflicts(input, await attendeeCalendarsAnywhere({ store, office, fanOut: deps.fanOut }, organizer, attendees, span, p.maxStalenessMs ?? null, 'organizer-only'))
    }))
    .method('notifications.poll', s['notifications.poll'], boundary(async (p, ctx) => {
      await read(false, ctx)
      const limit = p.limit ?? DEFAULT_POLL_LIMIT
      const waiter = deps.waiters.arm(p.user, p.waitMs, ctx.signal)
      try {
        let notifications = await notificationsAfter(store, p.user, p.after, limit)
        if (notifications.length === 0 && p.waitMs > 0) {
          await waiter.woken
          notifications = await notificationsAfter(store, p.user, p.after, limit)
        }
        return { user: p.user, notifications, last: notifications.at(-1)?.seq ?? p.after }
      } finally {
        waiter.cancel()
      }
    }))
}

/** Attendees of other offices need the cross-office protocol; say so instead of "not found". */
async function requireLocal(lookUp: (id: string) => Promise<UserRecord | null>, office: OfficeCalendarSettings, required: readonly string[], optional: readonly string[]): Promise<void> {
  const lists: Array<[string, readonly string[]]> = [['attendees', required], ['optional', optional]]
  for (const [field, ids] of lists) {
    for (const [i, id] of ids.entries()) {
      if ((await lookUp(id)) === null) {
        throw RpcError.of('NOT_FOUND', `${field}[${i}]: user "${id}" is not in office ${office.officeId}; attendees in other offices are booked with xoffice.book (the client library does this)`)
      }
    }
  }
}

function expectKind<K extends CalendarResult['kind']>(result: CalendarResult, kind: K): Extract<CalendarResult, { kind: K }> {
  if (result.kind !== kind) throw RpcError.of('INTERNAL', `expected a ${kind} result, got ${result.kind}`)
  return result as Extract<CalendarResult, { kind: K }>
}

function notFound(message: string): never {
  throw RpcError.of('NOT_FOUND', message)
}

/** Bad calendar input found while resolving a request is the caller's error, with the field named. */
function boundary<P, R>(handler: (params: P, ctx: RequestContext) => Promise<R>): (params: P, ctx: RequestContext) => Promise<R> {
  return async (params, ctx) => {
    try {
      return await handler(params, ctx)
    } catch (error) {
      if (error instanceof CalendarInputError) throw RpcError.of('BAD_REQUEST', `${ctx.method}: ${error.message}`, { field: error.field })
      throw error
    }
  }
}
