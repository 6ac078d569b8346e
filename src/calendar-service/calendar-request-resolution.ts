/**
 * Turns validated RPC parameters into log commands: text times become wall times in a known zone
 * (the given `tz`, else the person's), rule lines and schedules are checked by the calendar domain.
 * Runs on the proposing replica before anything is proposed; errors are CalendarInputError.
 */
import type { EventSpec, MeetingSpec, UserSpec } from './calendar-command.js'
import { CalendarInputError } from '../calendar/calendar-input-error.js'
import { validateCalendarEvent } from '../calendar/availability/calendar-event.js'
import { mergeSchedules, type TimeRange, type Weekday, type WorkScheduleOverride } from '../calendar/availability/work-schedule.js'
import type { OccurrenceException } from '../calendar/recurrence/index.js'
import { parseRecurrence } from '../calendar/recurrence/index.js'
import { parseLocalDateTime, type LocalDateTime } from '../calendar/time/local-date-time.js'
import { instantToWallClock, parseInstantOrLocal, requireZone } from '../calendar/time/time-zone.js'
import type { Interval } from '../calendar/intervals/interval-set.js'
import type { OfficeCalendarSettings } from './calendar-apply-context.js'

const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/

/** The wall time in `zone` that `text` means: read as is when local, converted when an instant. */
export function wallTimeOf(text: string, zone: string, field: string): LocalDateTime {
  if (text.includes('T') && HAS_OFFSET.test(text)) return instantToWallClock(parseInstantOrLocal(text, zone, field), zone)
  return parseLocalDateTime(text, field)
}

export function instantOf(text: string, zone: string, field: string): number {
  return parseInstantOrLocal(text, zone, field)
}

/**
 * What a meeting update asks to change (null: keep), and which occurrence (null: the series); a
 * meeting keeps its zone, so a new start and an occurrence are read in it.
 */
export function resolveMeetingUpdate(
  params: {
    readonly id: string
    readonly occurrence?: string | undefined
    readonly start?: string | undefined
    readonly tz?: string | undefined
    readonly durationMinutes?: number | undefined
    readonly title?: string | undefined
  },
  currentZone: string,
): { readonly occurrenceStartMs: number | null; readonly start: LocalDateTime | null; readonly durationMinutes: number | null; readonly title: string | null } {
  if (params.tz !== undefined && params.tz !== currentZone && params.start !== undefined && !params.start.endsWith('Z')) {
    throw new CalendarInputError('tz', `tz: meeting "${params.id}" is in ${currentZone}; give start as an instant or in that zone`)
  }
  return {
    occurrenceStartMs: params.occurrence === undefined ? null : instantOf(params.occurrence, currentZone, 'occurrence'),
    start: params.start === undefined ? null : wallTimeOf(params.start, currentZone, 'start'),
    durationMinutes: params.durationMinutes ?? null,
    title: params.title ?? null,
  }
}

export function resolveWindow(from: string, to: string, zone: string): Interval {
  const start = instantOf(from, zone, 'from')
  const end = instantOf(to, zone, 'to')
  if (end <= start) throw new CalendarInputError('to', `to: ${to} must be after from (${from})`)
  return { start, end }
}

export interface UserParams {
  readonly id: string
  readonly tz?: string | undefined
  readonly weekly?: Partial<Record<'1' | '2' | '3' | '4' | '5' | '6' | '7', TimeRange[]>> | undefined
  readonly lunch?: TimeRange | null | undefined
  readonly holidays?: string[] | undefined
  readonly overrides?: Record<string, TimeRange[]> | undefined
}

/** A person's schedule changes; checked by merging them with the office's schedule. */
export function resolveUserSpec(params: UserParams, office: OfficeCalendarSettings): UserSpec {
  const zone = params.tz === undefined ? office.schedule.zone : requireZone(params.tz, 'tz')
  const weekly = params.weekly === undefined ? undefined : (Object.fromEntries(Object.entries(params.weekly).map(([day, ranges]) => [Number(day), ranges])) as Partial<Record<Weekday, readonly TimeRange[]>>)
  const schedule: WorkScheduleOverride & { zone: string } = {
    zone,
    ...(weekly === undefined ? {} : { weekly }),
    ...(params.lunch === undefined ? {} : { lunch: params.lunch }),
    ...(params.holidays === undefined ? {} : { holidays: params.holidays }),
    ...(params.overrides === undefined ? {} : { overrides: params.overrides }),
  }
  mergeSchedules(office.schedule, schedule, 'schedule')
  return { id: params.id, schedule }
}

export interface EventParams {
  readonly start: string
  readonly end?: string | undefined
  readonly durationMinutes?: number | undefined
  readonly days?: number | undefined
  readonly tz?: string | undefined
  readonly title?: string | undefined
  readonly rules?: string[] | undefined
  readonly exceptions?: ReadonlyArray<{ kind: 'cancelled'; originalStart: string } | { kind: 'moved'; originalStart: string; start: string; durationMinutes?: number | undefined }> | undefined
  readonly transparency?: 'busy' | 'tentative' | 'free' | undefined
}

export function resolveEventSpec(params: EventParams, userZone: string): EventSpec {
  const zone = params.tz === undefined ? userZone : requireZone(params.tz, 'tz')
  const start = wallTimeOf(params.start, zone, 'start')
  const timing = params.days !== undefined ? { kind: 'all-day' as const, start, days: params.days } : { kind: 'timed' as const, start, durationMinutes: timedDuration(params, zone) }
  const exceptions: OccurrenceException[] = (params.exceptions ?? []).map((e, i) =>
    e.kind === 'cancelled'
      ? { kind: 'cancelled', originalStart: wallTimeOf(e.originalStart, zone, `exceptions[${i}].originalStart`) }
      : {
          kind: 'moved',
          originalStart: wallTimeOf(e.originalStart, zone, `exceptions[${i}].originalStart`),
          start: wallTimeOf(e.start, zone, `exceptions[${i}].start`),
          ...(e.durationMinutes === undefined ? {} : { durationMinutes: e.durationMinutes }),
        },
  )
  const rules = params.rules ?? []
  const spec: EventSpec = {
    title: params.title ?? '',
    zone,
    timing,
    transparency: params.transparency ?? 'busy',
    recurrence: rules.length === 0 && exceptions.length === 0 ? null : { lines: rules, exceptions },
  }
  validateCalendarEvent({ ...spec, id: 'new', meetingId: null }, 'event')
  return spec
}

function timedDuration(params: EventParams, zone: string): number {
  if (params.durationMinutes !== undefined) {
    if (params.end !== undefined) throw new CalendarInputError('end', 'end: give either end or durationMinutes, not both')
    return params.durationMinutes
  }
  if (params.end === undefined) throw new CalendarInputError('end', 'end: a timed event needs an end (or durationMinutes; or days for an all-day event)')
  const minutes = (instantOf(params.end, zone, 'end') - instantOf(params.start, zone, 'start')) / 60_000
  if (!Number.isInteger(minutes) || minutes < 1) throw new CalendarInputError('end', `end: ${params.end} must be whole minutes after start ${params.start}`)
  return minutes
}

export interface MeetingParams {
  readonly organizer: string
  readonly attendees: string[]
  readonly optional?: string[] | undefined
  readonly start: string
  readonly durationMinutes: number
  readonly tz?: string | undefined
  readonly title?: string | undefined
  readonly rules?: string[] | undefined
}

export function resolveMeetingSpec(params: MeetingParams, organizerZone: string): MeetingSpec {
  const zone = params.tz === undefined ? organizerZone : requireZone(params.tz, 'tz')
  const start = wallTimeOf(params.start, zone, 'start')
  const lines = params.rules ?? []
  parseRecurrence({ dtstart: start, zone, lines }, { dtstart: 'start', zone: 'tz', line: (i) => `rules[${i}]`, exception: (i) => `exceptions[${i}]` })
  const seen = new Set<string>([params.organizer])
  const optional = params.optional ?? []
  for (const [name, list] of [['attendees', params.attendees], ['optional', optional]] as const) {
    list.forEach((id, i) => {
      if (seen.has(id)) throw new CalendarInputError(`${name}[${i}]`, `${name}[${i}]: "${id}" is listed twice among the attendees`)
      seen.add(id)
    })
  }
  return {
    organizer: params.organizer,
    required: params.attendees,
    optional,
    title: params.title ?? '',
    zone,
    start,
    durationMinutes: params.durationMinutes,
    lines,
  }
}
