/** `dms availability --users a,b,c --from --to`: busy and working intervals, no details, people of any office. */
import type { Command } from 'commander'
import { parseNonNegativeInteger } from '../cli-arguments.js'
import { localTime, parseList, withCalendar, withSessionOptions, type SessionOptions } from '../calendar-session.js'
import { printResult } from '../cli-output.js'

export function registerAvailabilityCommand(program: Command): void {
  withSessionOptions(program.command('availability').description('free/busy of people in any office: merged busy intervals and working time'))
    .requiredOption('--users <ids>', 'comma-separated user ids', parseList('--users'))
    .requiredOption('--from <instant>', 'window start (instant; without offset: wall time in --tz, default UTC)')
    .requiredOption('--to <instant>', 'window end')
    .option('--tz <zone>', 'zone of --from/--to without offset')
    .option('--max-staleness-ms <ms>', "accept other offices' cached free/busy up to this old (default: read every office linearizably)", parseNonNegativeInteger('--max-staleness-ms'))
    .action(async (options: SessionOptions & { users: string[]; from: string; to: string; tz?: string; maxStalenessMs?: number }) => {
      const result = await withCalendar(options, (client) =>
        client.availability({
          users: options.users,
          from: options.from,
          to: options.to,
          ...(options.tz === undefined ? {} : { tz: options.tz }),
          ...(options.maxStalenessMs === undefined ? {} : { maxStalenessMs: options.maxStalenessMs }),
        }),
      )
      printResult(options.json === true, result, (r) =>
        r.users
          .map((u) => {
            const list = (xs: ReadonlyArray<{ start: string; end: string }>) => (xs.length === 0 ? '    (none)' : xs.map((x) => `    ${localTime(x.start, u.tz)} to ${localTime(x.end, u.tz)}`).join('\n'))
            return `${u.id} (${u.tz})\n  busy:\n${list(u.busy)}\n  working:\n${list(u.working)}`
          })
          .join('\n'),
      )
    })
}
