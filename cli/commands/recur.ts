import type { Command } from 'commander'
import { DEFAULT_FIELD_NAMES, expandOccurrences, parseRecurrence } from '../../src/calendar/recurrence/index.js'
import { parseLocalDateTime } from '../../src/calendar/time/local-date-time.js'
import {
  formatInstantInZone,
  formatInstantUtc,
  parseInstantOrLocal,
  requireZone,
} from '../../src/calendar/time/time-zone.js'

interface ExpandOptions {
  dtstart: string
  tz: string
  rule: string[]
  from: string
  to: string
  json?: boolean
}

const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const

/** `dms recur ...`: recurrence tools that need no cluster. */
export function registerRecurCommands(program: Command): void {
  const recur = program.command('recur').description('recurrence rules (RFC 5545), computed locally without a cluster')
  recur
    .command('expand')
    .description(
      'list the occurrences of a series whose start lies in [--from, --to). Wall-clock times that a DST ' +
        'jump skips move forward by the jump; times that occur twice mean the earlier one.',
    )
    .requiredOption('--dtstart <local>', 'series start, wall-clock time in --tz (YYYY-MM-DDTHH:MM[:SS])')
    .requiredOption('--tz <zone>', 'IANA time zone of the series, e.g. America/New_York')
    .option(
      '--rule <line>',
      'one RFC 5545 line: RRULE:..., EXRULE:..., RDATE:... or EXDATE:... (repeatable; RDATE/EXDATE values ' +
        'without Z or TZID are wall-clock times in --tz)',
      (line: string, previous: string[]) => [...previous, line],
      [] as string[],
    )
    .requiredOption('--from <instant>', 'window start, e.g. 2026-01-01T00:00:00Z (no offset: wall time in --tz)')
    .requiredOption('--to <instant>', 'window end, exclusive')
    .option('--json', 'print {"occurrences":[{"start","local"}]} on stdout')
    .action((options: ExpandOptions) => {
      const zone = requireZone(options.tz, '--tz')
      const dtstart = parseLocalDateTime(options.dtstart, '--dtstart')
      const fromMs = parseInstantOrLocal(options.from, zone, '--from')
      const toMs = parseInstantOrLocal(options.to, zone, '--to')
      if (toMs < fromMs) throw new Error(`--to: ${options.to} is before --from ${options.from}`)
      const recurrence = parseRecurrence(
        { dtstart, zone, lines: options.rule },
        {
          ...DEFAULT_FIELD_NAMES,
          dtstart: '--dtstart',
          zone: '--tz',
          line: (index) => `--rule "${options.rule[index] ?? ''}"`,
        },
      )
      const occurrences = expandOccurrences(recurrence, fromMs, toMs).map((o) => ({
        start: formatInstantUtc(o.startMs),
        local: formatInstantInZone(o.startMs, zone),
        weekday: WEEKDAY_NAMES[new Date(Date.UTC(o.local.year, o.local.month - 1, o.local.day)).getUTCDay()] ?? '',
      }))
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ occurrences: occurrences.map(({ start, local }) => ({ start, local })) })}\n`)
        return
      }
      const lines = [`${'#'.padStart(4)}  ${'start (UTC)'.padEnd(24)}  local (${zone})`]
      occurrences.forEach((o, index) => {
        lines.push(`${String(index + 1).padStart(4)}  ${o.start.padEnd(24)}  ${o.local}  ${o.weekday}`)
      })
      lines.push(`${occurrences.length} occurrence${occurrences.length === 1 ? '' : 's'}`)
      process.stdout.write(`${lines.join('\n')}\n`)
    })
}
