/** `dms watch --user ID`: a person's notifications as they happen, resuming after reconnects. */
import type { Command } from 'commander'
import { formatInstantUtc } from '../../src/calendar/time/time-zone.js'
import { parseNonNegativeInteger, parsePositiveInteger } from '../cli-arguments.js'
import { withCalendar, withSessionOptions, type SessionOptions } from '../calendar-session.js'

export function registerWatchCommand(program: Command): void {
  withSessionOptions(program.command('watch').description('print notifications for a person (invited, updated, cancelled, ...) until Ctrl-C; --json prints JSON lines'))
    .requiredOption('--user <id>', 'whose notifications')
    .option('--after <seq>', 'start after this notification number (0: from the first)', parseNonNegativeInteger('--after'), 0)
    .option('--count <n>', 'exit after this many notifications', parsePositiveInteger('--count'))
    .action(async (o: SessionOptions & { user: string; after: number; count?: number }) => {
      const stop = new AbortController()
      const onSignal = (): void => stop.abort()
      process.once('SIGINT', onSignal)
      process.once('SIGTERM', onSignal)
      try {
        await withCalendar(o, async (client) => {
          let seen = 0
          for await (const n of client.subscribe(o.user, { after: o.after, signal: stop.signal })) {
            process.stdout.write(
              o.json === true
                ? JSON.stringify(n) + '\n'
                : `#${n.seq} ${formatInstantUtc(n.atMs)} ${n.kind} ${n.meetingId}: ${n.message}\n`,
            )
            seen += 1
            if (o.count !== undefined && seen >= o.count) break
          }
        })
      } finally {
        process.off('SIGINT', onSignal)
        process.off('SIGTERM', onSignal)
      }
    })
}
