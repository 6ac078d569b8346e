/** `dms agenda --user ID`: a person's occurrences in a window, in their local time. */
import type { Command } from 'commander'
import { localTime, withCalendar, withSessionOptions, type SessionOptions } from '../calendar-session.js'
import { formatTable, printResult } from '../cli-output.js'

const WEEK_MS = 7 * 86_400_000

export function registerAgendaCommand(program: Command): void {
  withSessionOptions(program.command('agenda').description("a person's meetings and events, recurring ones expanded"))
    .requiredOption('--user <id>', 'whose agenda')
    .option('--from <time>', 'window start (instant, or wall time in --tz / the user\'s zone); default now')
    .option('--to <time>', 'window end; default a week after --from')
    .option('--tz <zone>', 'zone of --from/--to without offset')
    .action(async (options: SessionOptions & { user: string; from?: string; to?: string; tz?: string }) => {
      const now = Date.now()
      const from = options.from ?? new Date(now).toISOString()
      const to = options.to ?? new Date((options.from === undefined ? now : Date.parse(from) || now) + WEEK_MS).toISOString()
      const result = await withCalendar(options, (client) =>
        client.agenda({ user: options.user, from, to, ...(options.tz === undefined ? {} : { tz: options.tz }) }),
      )
      printResult(options.json === true, result, (r) =>
        r.events.length === 0
          ? `${r.user}: nothing between ${from} and ${to}`
          : `${r.user} (${r.tz})\n` +
            formatTable(
              ['start', 'end', 'title', 'id', 'status'],
              r.events.map((e) => [localTime(e.start, r.tz), localTime(e.end, r.tz), e.title, e.id, e.transparency]),
            ),
      )
    })
}
