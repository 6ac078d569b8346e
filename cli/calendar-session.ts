/**
 * What every calendar command shares: the cluster config and a CalendarClient on it, option
 * parsers for lists, hours and weekdays, and times shown in a person's zone.
 */
import { InvalidArgumentError, type Command } from 'commander'
import { CalendarClient } from '../src/client/calendar-client.js'
import { formatInstantInZone } from '../src/calendar/time/time-zone.js'
import { loadConfigForCli } from './cli-config.js'

export interface SessionOptions {
  readonly config?: string
  readonly json?: boolean
}

export function withSessionOptions(command: Command): Command {
  return command.option('--config <file>', 'cluster config', 'cluster-configs/local.json').option('--json', 'print one JSON document')
}

export async function withCalendar<T>(options: SessionOptions, run: (client: CalendarClient) => Promise<T>): Promise<T> {
  const client = new CalendarClient(await loadConfigForCli(options.config))
  try {
    return await run(client)
  } finally {
    client.close()
  }
}

/** "bob,chika" -> ["bob", "chika"]; empty items are an error naming the option. */
export function parseList(name: string): (text: string) => string[] {
  return (text) => {
    const items = text.split(',').map((s) => s.trim())
    if (items.some((s) => s.length === 0)) throw new InvalidArgumentError(`${name}: expected a comma-separated list without empty items, got "${text}"`)
    return items
  }
}

export function collectLines(line: string, previous: string[]): string[] {
  return [...previous, line]
}

/** "09:00-17:00" -> {start, end}. */
export function parseHours(name: string): (text: string) => { start: string; end: string } {
  return (text) => {
    const m = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/.exec(text)
    if (m === null) throw new InvalidArgumentError(`${name}: expected HH:MM-HH:MM, got "${text}"`)
    return { start: m[1] as string, end: m[2] as string }
  }
}

export const WEEKDAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const
export type WeekdayName = (typeof WEEKDAY_NAMES)[number]

/** "Mon-Fri", "Mon,Wed,Fri" or a mix ("Mon-Wed,Fri") -> weekday names. */
export function parseDays(text: string): WeekdayName[] {
  const days = new Set<WeekdayName>()
  for (const part of text.split(',')) {
    const [from, to = from] = part.trim().split('-') as [string, string?]
    const a = WEEKDAY_NAMES.indexOf(from as WeekdayName)
    const b = WEEKDAY_NAMES.indexOf(to as WeekdayName)
    if (a < 0 || b < 0 || b < a) throw new InvalidArgumentError(`--days: expected weekdays such as Mon-Fri or Mon,Wed,Fri, got "${text}"`)
    for (let i = a; i <= b; i++) days.add(WEEKDAY_NAMES[i] as WeekdayName)
  }
  return [...days]
}

/** An instant in a person's zone, e.g. "2026-03-18 10:00 (America/New_York)" style: "2026-03-18T10:00-04:00". */
export function localTime(iso: string, zone: string): string {
  return formatInstantInZone(Date.parse(iso), zone).replace(':00.000', '')
}
