/** `dms user add|show|list`: the people of an office and their working time. */
import type { Command } from 'commander'
import type { UserView } from '../../src/calendar-service/calendar-api.js'
import type { CalendarClient } from '../../src/client/calendar-client.js'
import { findOffice } from '../../src/config/cluster-topology.js'
import { parseHours, parseDays, withCalendar, withSessionOptions, WEEKDAY_NAMES, type SessionOptions, type WeekdayName } from '../calendar-session.js'
import { formatTable, printResult } from '../cli-output.js'

interface AddOptions extends SessionOptions {
  readonly id: string
  readonly office: string
  readonly tz?: string
  readonly hours?: { start: string; end: string }
  readonly days?: WeekdayName[]
  readonly lunch?: string
  readonly holiday: string[]
}

const describeUser = (u: UserView): string => {
  const days = (Object.entries(u.schedule.weekly) as Array<[string, ReadonlyArray<{ start: string; end: string }>]>)
    .filter(([, ranges]) => ranges.length > 0)
    .map(([day, ranges]) => `${WEEKDAY_NAMES[Number(day) - 1]} ${ranges.map((r) => `${r.start}-${r.end}`).join(',')}`)
  const lunch = u.schedule.lunch === null ? 'none' : `${u.schedule.lunch.start}-${u.schedule.lunch.end}`
  return `${u.id}  office ${u.office}  zone ${u.tz}  version ${u.version}\n  hours: ${days.join('; ')}\n  lunch: ${lunch}\n  holidays: ${u.schedule.holidays.join(', ') || 'none'}`
}

/** How long `user add` waits for each office's answer before leaving the check to the office it adds to. */
const LOOKUP_TIMEOUT_MS = 3000

/**
 * The office other than `office` that holds `id`, asking every office of the config at once (each
 * is authoritative for its own people), so an id added elsewhere a moment ago is found before its
 * office has published it. The office adding the person checks its directory again when it applies
 * the add; an office that does not answer in time is left to that check.
 */
async function homeElsewhere(client: CalendarClient, id: string, office: string): Promise<string | null> {
  const answers = await Promise.all(
    client.config.offices.map((o) =>
      client
        .office(o.id)
        .call('directory.lookup', { users: [id] }, { timeoutMs: LOOKUP_TIMEOUT_MS })
        .then((answer) => answer.users[0]?.office ?? null)
        .catch(() => null),
    ),
  )
  return answers.find((home) => home !== null && home !== office) ?? null
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('people of an office: zone, working hours, lunch, holidays')

  withSessionOptions(user.command('add').description("add a person to an office (zone, hours, days and lunch default to the office's)"))
    .requiredOption('--id <id>', 'user id')
    .requiredOption('--office <office>', 'office id')
    .option('--tz <zone>', 'IANA time zone')
    .option('--hours <HH:MM-HH:MM>', 'working hours on working days', parseHours('--hours'))
    .option('--days <days>', 'working days, e.g. Mon-Fri or Mon,Wed,Fri', parseDays)
    .option('--lunch <HH:MM-HH:MM|none>', 'lunch break, or "none"')
    .option('--holiday <YYYY-MM-DD>', 'a personal day off (repeatable)', (d: string, prev: string[]) => [...prev, d], [] as string[])
    .action(async (options: AddOptions) => {
      const result = await withCalendar(options, async (client) => {
        const office = findOffice(client.config, options.office)
        const home = await homeElsewhere(client, options.id, office.id)
        if (home !== null) throw new Error(`--id: user "${options.id}" already exists in office ${home}; user ids are unique across offices`)
        const weekly =
          options.hours === undefined && options.days === undefined
            ? undefined
            : (Object.fromEntries(
                WEEKDAY_NAMES.map((name, i) => [String(i + 1), (options.days ?? office.workDays).includes(name) ? [options.hours ?? office.workHours] : []]),
              ) as Record<'1' | '2' | '3' | '4' | '5' | '6' | '7', Array<{ start: string; end: string }>>)
        const lunch = options.lunch === undefined ? undefined : options.lunch === 'none' ? null : parseHours('--lunch')(options.lunch)
        return client.addUser({
          id: options.id,
          office: options.office,
          ...(options.tz === undefined ? {} : { tz: options.tz }),
          ...(weekly === undefined ? {} : { weekly }),
          ...(lunch === undefined ? {} : { lunch }),
          ...(options.holiday.length === 0 ? {} : { holidays: options.holiday }),
        })
      })
      printResult(options.json === true, result, describeUser)
    })

  withSessionOptions(user.command('show <id>').description('a person, with the working time in effect')).action(async (id: string, options: SessionOptions) => {
    const result = await withCalendar(options, (client) => client.getUser(id))
    printResult(options.json === true, result, describeUser)
  })

  withSessionOptions(user.command('list').description('the people of one or all offices'))
    .option('--office <office>', 'only this office')
    .action(async (options: SessionOptions & { office?: string }) => {
      const users = await withCalendar(options, (client) => client.listUsers(options.office))
      printResult(options.json === true, { users }, (r) => formatTable(['id', 'office', 'zone', 'version'], r.users.map((u) => [u.id, u.office, u.tz, String(u.version)])))
    })
}
