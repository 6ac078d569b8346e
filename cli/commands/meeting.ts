/** `dms meeting propose|conflicts|book|show|move|cancel|respond`: meetings, within one office or across offices. */
import type { Command } from 'commander'
import { parseNonNegativeInteger, parsePositiveInteger } from '../cli-arguments.js'
import { collectLines, localTime, parseList, withCalendar, withSessionOptions, type SessionOptions } from '../calendar-session.js'
import { formatTable, printResult } from '../cli-output.js'
import type { BookingResult } from '../../src/calendar-service/calendar-api.js'

const RESPONSES = { accept: 'accepted', decline: 'declined', tentative: 'tentative', accepted: 'accepted', declined: 'declined' } as const

export function registerMeetingCommands(program: Command): void {
  const meeting = program.command('meeting').description('propose, book, show, cancel and answer meetings')

  withSessionOptions(meeting.command('propose').description('suggest times when the organizer and attendees are free and working'))
    .requiredOption('--organizer <id>', 'organizer')
    .requiredOption('--attendees <ids>', 'required attendees, comma-separated', parseList('--attendees'))
    .option('--optional <ids>', 'optional attendees, comma-separated', parseList('--optional'))
    .requiredOption('--duration <minutes>', 'length in minutes', parsePositiveInteger('--duration', 1440))
    .requiredOption('--from <instant>', 'search window start')
    .requiredOption('--to <instant>', 'search window end')
    .option('--tz <zone>', "zone of --from/--to without offset (default: the organizer's)")
    .option('--granularity <minutes>', 'candidate start step', parsePositiveInteger('--granularity', 1440))
    .option('--min-attendees <n>', 'attendees (organizer included) who must be free', parsePositiveInteger('--min-attendees'))
    .option('--rule <line>', 'RFC 5545 line for a recurring meeting (repeatable)', collectLines, [] as string[])
    .option('--limit <n>', 'at most this many suggestions', parsePositiveInteger('--limit', 100), 5)
    .option('--max-staleness-ms <ms>', "accept other offices' cached free/busy up to this old (default: read every office linearizably)", parseNonNegativeInteger('--max-staleness-ms'))
    .action(async (o: SessionOptions & { organizer: string; attendees: string[]; optional?: string[]; duration: number; from: string; to: string; tz?: string; granularity?: number; minAttendees?: number; rule: string[]; limit: number; maxStalenessMs?: number }) => {
      const result = await withCalendar(o, (client) =>
        client.suggest({
          organizer: o.organizer,
          attendees: o.attendees,
          ...(o.optional === undefined ? {} : { optional: o.optional }),
          durationMinutes: o.duration,
          from: o.from,
          to: o.to,
          ...(o.tz === undefined ? {} : { tz: o.tz }),
          ...(o.granularity === undefined ? {} : { granularityMinutes: o.granularity }),
          ...(o.minAttendees === undefined ? {} : { minAttendees: o.minAttendees }),
          ...(o.rule.length === 0 ? {} : { rules: o.rule }),
          limit: o.limit,
          ...(o.maxStalenessMs === undefined ? {} : { maxStalenessMs: o.maxStalenessMs }),
        }),
      )
      printResult(o.json === true, result, (r) =>
        r.suggestions.length === 0
          ? `no suggestion: ${r.explanation ?? 'nothing fits'}`
          : formatTable(['start (UTC)', 'end (UTC)', 'free', 'busy'], r.suggestions.map((s) => [s.start, s.end, s.free.join(','), s.busy.join(',')])),
      )
    })

  proposedMeetingOptions(withSessionOptions(meeting.command('conflicts').description("who is busy or out of hours at a proposed time, attendees of any office (others' free/busy only, no titles)")))
    .option('--max-staleness-ms <ms>', "accept other offices' cached free/busy up to this old (default: read every office linearizably)", parseNonNegativeInteger('--max-staleness-ms'))
    .action(async (o: ProposedMeetingOptions & { maxStalenessMs?: number }) => {
      const result = await withCalendar(o, (client) => client.conflicts({ ...proposedMeeting(o), ...(o.maxStalenessMs === undefined ? {} : { maxStalenessMs: o.maxStalenessMs }) }))
      printResult(o.json === true, result, (r) =>
        [`${r.start} to ${r.end} (UTC): ${r.fits ? 'fits' : 'does not fit'}; free ${r.free.join(',') || 'nobody'}; busy ${r.busy.join(',') || 'nobody'}`, ...r.warnings.map((w) => `  ${w}`)].join('\n'),
      )
    })

  proposedMeetingOptions(withSessionOptions(meeting.command('book').description('book a meeting; the conflict check happens when the booking is applied')))
    .option('--title <text>', 'title')
    .option('--override', 'book even over conflicts, recording them as warnings')
    .option('--priority <n>', '1 (default) to 1000: a higher priority may displace tentative holds of lower-priority cross-office bookings', parsePositiveInteger('--priority', 1000))
    .action(async (o: ProposedMeetingOptions & { title?: string; override?: boolean; priority?: number }) => {
      const result = await withCalendar(o, (client) =>
        client.book({
          ...proposedMeeting(o),
          ...(o.title === undefined ? {} : { title: o.title }),
          override: o.override === true,
          ...(o.priority === undefined ? {} : { priority: o.priority }),
        }),
      )
      printResult(o.json === true, result, (r) => bookingText(r, 'booked', 'invited'))
    })

  withSessionOptions(meeting.command('move <id>').description('move a meeting or one occurrence (new start, length or title); across offices it moves everywhere or nowhere, and every invitee is notified'))
    .option('--occurrence <instant>', 'move only the occurrence of the series starting here')
    .option('--start <time>', "new start (wall time in the meeting's zone, or an instant)")
    .option('--duration <minutes>', 'new length in minutes', parsePositiveInteger('--duration', 1440))
    .option('--title <text>', 'new title')
    .option('--override', 'move even over conflicts, recording them as warnings')
    .option('--priority <n>', '1 (default) to 1000: may displace tentative holds of lower-priority cross-office bookings', parsePositiveInteger('--priority', 1000))
    .option('--expected-version <n>', 'fail unless the meeting is at this version', parsePositiveInteger('--expected-version'))
    .action(async (id: string, o: SessionOptions & { occurrence?: string; start?: string; duration?: number; title?: string; override?: boolean; priority?: number; expectedVersion?: number }) => {
      if (o.start === undefined && o.duration === undefined && o.title === undefined) throw new Error('meeting move: give at least one of --start, --duration, --title')
      const result = await withCalendar(o, (client) =>
        client.updateMeeting({
          id,
          ...(o.occurrence === undefined ? {} : { occurrence: o.occurrence }),
          ...(o.start === undefined ? {} : { start: o.start }),
          ...(o.duration === undefined ? {} : { durationMinutes: o.duration }),
          ...(o.title === undefined ? {} : { title: o.title }),
          override: o.override === true,
          ...(o.priority === undefined ? {} : { priority: o.priority }),
          ...(o.expectedVersion === undefined ? {} : { expectedVersion: o.expectedVersion }),
        }),
      )
      printResult(o.json === true, result, (r) => bookingText(r, 'moved', 'notified'))
    })

  withSessionOptions(meeting.command('show <id>').description('a meeting and its attendees\' answers')).action(async (id: string, o: SessionOptions) => {
    const result = await withCalendar(o, (client) => client.meeting(id))
    printResult(o.json === true, result, (m) =>
      [
        `${m.id} "${m.title}" ${m.status}, version ${m.version}`,
        `  ${localTime(m.start, m.tz)} to ${localTime(m.end, m.tz)} (${m.tz})${m.rules.length === 0 ? '' : `, ${m.rules.join(' ')}`}`,
        `  organizer ${m.organizer}; ${Object.entries(m.responses).map(([u, r]) => `${u}: ${r}`).join(', ')}`,
        ...m.cancelledOccurrences.map((c) => `  cancelled occurrence ${c}`),
        ...m.movedOccurrences.map((c) => `  occurrence ${c.originalStart} moved to ${localTime(c.start, m.tz)}`),
        ...m.warnings.map((w) => `  warning: ${w}`),
      ].join('\n'),
    )
  })

  withSessionOptions(meeting.command('cancel <id>').description('cancel a meeting, or one occurrence of a series; every invitee is notified'))
    .option('--occurrence <instant>', 'start of the one occurrence to cancel')
    .option('--expected-version <n>', 'fail unless the meeting is at this version', parsePositiveInteger('--expected-version'))
    .action(async (id: string, o: SessionOptions & { occurrence?: string; expectedVersion?: number }) => {
      const result = await withCalendar(o, (client) =>
        client.cancel({ id, ...(o.occurrence === undefined ? {} : { occurrence: o.occurrence }), ...(o.expectedVersion === undefined ? {} : { expectedVersion: o.expectedVersion }) }),
      )
      printResult(o.json === true, result, (r) => `cancelled ${r.id}${r.occurrence === null ? '' : ` on ${r.occurrence}`}; notified ${r.notified.join(', ') || 'nobody'}`)
    })

  withSessionOptions(meeting.command('respond <id>').description('answer an invitation'))
    .requiredOption('--user <id>', 'the attendee answering')
    .requiredOption('--response <accept|decline|tentative>', 'the answer')
    .action(async (id: string, o: SessionOptions & { user: string; response: string }) => {
      const response = RESPONSES[o.response as keyof typeof RESPONSES]
      if (response === undefined) throw new Error(`--response: expected accept, decline or tentative, got "${o.response}"`)
      const result = await withCalendar(o, (client) => client.respond({ id, user: o.user, response }))
      printResult(o.json === true, result, (m) => `${o.user} ${response} ${m.id}`)
    })
}

type ProposedMeetingOptions = SessionOptions & { organizer: string; attendees: string[]; optional?: string[]; start: string; duration: number; tz?: string; rule: string[] }

/** The options of a meeting at a given time, shared by `conflicts` (check it) and `book` (book it). */
function proposedMeetingOptions(command: Command): Command {
  return command
    .requiredOption('--organizer <id>', 'organizer')
    .requiredOption('--attendees <ids>', 'required attendees, comma-separated', parseList('--attendees'))
    .option('--optional <ids>', 'optional attendees, comma-separated', parseList('--optional'))
    .requiredOption('--start <time>', "start (wall time in --tz or the organizer's zone, or an instant)")
    .requiredOption('--duration <minutes>', 'length in minutes', parsePositiveInteger('--duration', 1440))
    .option('--tz <zone>', 'zone of the meeting and of --start without offset')
    .option('--rule <line>', 'RFC 5545 line for a recurring meeting (repeatable); --start is DTSTART', collectLines, [] as string[])
}

function proposedMeeting(o: ProposedMeetingOptions) {
  return {
    organizer: o.organizer,
    attendees: o.attendees,
    ...(o.optional === undefined ? {} : { optional: o.optional }),
    start: o.start,
    durationMinutes: o.duration,
    ...(o.tz === undefined ? {} : { tz: o.tz }),
    ...(o.rule.length === 0 ? {} : { rules: o.rule }),
  }
}

function bookingText(r: BookingResult, done: 'booked' | 'moved', told: 'invited' | 'notified'): string {
  return r.status === 'booked'
    ? [`${done} ${r.id}; ${told} ${r.notified.join(', ') || 'nobody'}`, ...r.warnings.map((w) => `warning: ${w}`)].join('\n')
    : [`conflict: not ${done}`, ...r.conflicts.map((c) => `  ${c.user} busy ${c.start} to ${c.end}${c.eventId === null ? '' : ` (${c.eventId})`}`)].join('\n')
}
