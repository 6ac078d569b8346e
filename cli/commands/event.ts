/** `dms event add|list|delete`: a person's own events (single or recurring). */
import type { Command } from 'commander'
import { parsePositiveInteger } from '../cli-arguments.js'
import { collectLines, localTime, withCalendar, withSessionOptions, type SessionOptions } from '../calendar-session.js'
import { formatTable, printResult } from '../cli-output.js'

interface AddOptions extends SessionOptions {
  readonly user: string
  readonly start: string
  readonly end?: string
  readonly days?: number
  readonly tz?: string
  readonly title?: string
  readonly rule: string[]
  readonly transparency?: 'busy' | 'tentative' | 'free'
}

export function registerEventCommands(program: Command): void {
  const event = program.command('event').description("a person's own events")

  withSessionOptions(event.command('add').description('add an event; times without offset are wall time in --tz or the user\'s zone'))
    .requiredOption('--user <id>', 'whose calendar')
    .requiredOption('--start <time>', 'start, e.g. 2026-03-10T09:00 (a date for an all-day event)')
    .option('--end <time>', 'end of a timed event')
    .option('--days <n>', 'an all-day event of this many days', parsePositiveInteger('--days', 366))
    .option('--tz <zone>', 'IANA zone of the times and of the series')
    .option('--title <text>', 'title')
    .option('--rule <line>', 'RFC 5545 line (RRULE:, EXRULE:, RDATE:, EXDATE:), repeatable; --start is DTSTART', collectLines, [] as string[])
    .option('--transparency <busy|tentative|free>', 'how the event blocks time (default busy)')
    .action(async (options: AddOptions) => {
      if (options.transparency !== undefined && !['busy', 'tentative', 'free'].includes(options.transparency)) {
        throw new Error(`--transparency: expected busy, tentative or free, got "${options.transparency}"`)
      }
      const result = await withCalendar(options, (client) =>
        client.addEvent({
          user: options.user,
          start: options.start,
          ...(options.end === undefined ? {} : { end: options.end }),
          ...(options.days === undefined ? {} : { days: options.days }),
          ...(options.tz === undefined ? {} : { tz: options.tz }),
          ...(options.title === undefined ? {} : { title: options.title }),
          ...(options.rule.length === 0 ? {} : { rules: options.rule }),
          ...(options.transparency === undefined ? {} : { transparency: options.transparency }),
        }),
      )
      printResult(options.json === true, result, (r) => `added ${r.id} to ${r.user}'s calendar (calendar version ${r.calendarVersion})`)
    })

  withSessionOptions(event.command('list').description("a person's stored events (series unexpanded; see dms agenda)"))
    .requiredOption('--user <id>', 'whose calendar')
    .action(async (options: SessionOptions & { user: string }) => {
      const result = await withCalendar(options, (client) => client.listEvents(options.user))
      printResult(options.json === true, result, (r) =>
        formatTable(
          ['id', 'start (local)', 'length', 'title', 'rules', 'meeting'],
          r.events.map((e) => [
            e.id,
            `${localTime(e.start, e.tz)} ${e.tz}`,
            e.durationMinutes === null ? `${e.allDayDays ?? 1} day(s)` : `${e.durationMinutes} min`,
            e.title,
            e.rules.join(' '),
            e.meetingId ?? '',
          ]),
        ),
      )
    })

  withSessionOptions(event.command('delete <eventId>').description('delete one of a person\'s events'))
    .requiredOption('--user <id>', 'whose calendar')
    .option('--expected-version <n>', "fail unless the event is at this version", parsePositiveInteger('--expected-version'))
    .action(async (eventId: string, options: SessionOptions & { user: string; expectedVersion?: number }) => {
      const result = await withCalendar(options, (client) =>
        client.deleteEvent({ user: options.user, eventId, ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }) }),
      )
      printResult(options.json === true, result, (r) => `deleted ${r.id} from ${r.user}'s calendar`)
    })
}
