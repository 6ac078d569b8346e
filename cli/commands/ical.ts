/**
 * `dms ical`: iCalendar (RFC 5545) in and out. export writes a person's calendar or one meeting
 * as .ics (RRULE/EXDATE, moved occurrences as RECURRENCE-ID overrides, a VTIMEZONE per zone);
 * import stores the events of an .ics file from another calendar program in a person's calendar
 * (again: by UID, so each is updated or kept, never duplicated);
 * freebusy publishes a person's busy time as VFREEBUSY.
 */
import { readFile, writeFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { instantOf } from '../../src/calendar-service/calendar-request-resolution.js'
import type { ImportOutcome } from '../../src/calendar-service/calendar-command.js'
import type { CalendarClient } from '../../src/client/calendar-client.js'
import { IntervalSet } from '../../src/calendar/intervals/interval-set.js'
import { exportCalendar, exportFreeBusy, exportMeeting, importCalendar, type ExportContext } from '../../src/ical/index.js'
import { withCalendar, withSessionOptions, type SessionOptions } from '../calendar-session.js'
import { printResult } from '../cli-output.js'
import { calendarEventOf, eventAddParams, meetingForExport } from '../ical-records.js'
import { matchOwnEvent } from '../own-export-reimport.js'

/** UIDs and calendar addresses are '<id>@<domain>'; a reserved name unless the deployment has its own. */
const DEFAULT_DOMAIN = 'dms.invalid'

interface OutputOptions extends SessionOptions {
  readonly out?: string
  readonly domain: string
}

export function registerIcalCommands(program: Command): void {
  const ical = program.command('ical').description('iCalendar (.ics) export and import, and VFREEBUSY')

  withOutput(withSessionOptions(ical.command('export').description('a person\'s calendar (--user) or one meeting (--meeting) as .ics on stdout or --out')))
    .option('--user <id>', 'export this person\'s events (recurring ones as one series each)')
    .option('--meeting <id>', 'export this meeting, with organizer and attendees')
    .option('--from <time>', 'with --user: only events with an occurrence at or after this time (needs --to)')
    .option('--to <time>', 'with --user: ... and before this time')
    .action(async (options: OutputOptions & { user?: string; meeting?: string; from?: string; to?: string }) => {
      if ((options.user === undefined) === (options.meeting === undefined)) throw new Error('ical export: give exactly one of --user and --meeting')
      if ((options.from === undefined) !== (options.to === undefined)) throw new Error('ical export: --from and --to go together')
      if (options.meeting !== undefined && options.from !== undefined) throw new Error('ical export: --from/--to apply to --user, not --meeting')
      const context = exportContext(options.domain)
      const text = await withCalendar(options, async (client) => {
        if (options.meeting !== undefined) return exportMeeting(meetingForExport(await client.meeting(options.meeting)), context)
        const user = options.user as string
        const owner = await client.getUser(user)
        const window = options.from === undefined ? null : { from: options.from, to: options.to as string }
        return exportCalendar({ id: owner.id, zone: owner.tz }, await eventsToExport(client, user, window), context)
      })
      await writeIcs(options, text)
    })

  withSessionOptions(ical.command('import').description('store the events of an .ics file (recurring ones and their exceptions included) in a person\'s calendar; importing again updates or keeps each event by its UID, never duplicates it'))
    .requiredOption('--user <id>', 'whose calendar receives the events')
    .argument('<file>', '.ics file to import')
    .option('--domain <domain>', 'UIDs "<id>@<domain>" (as exported here) are read back as "<id>"', DEFAULT_DOMAIN)
    .action(async (file: string, options: SessionOptions & { user: string; domain: string }) => {
      const text = await readFile(file, 'utf8').catch((error: Error) => {
        throw new Error(`${file}: cannot read the .ics file: ${error.message}`)
      })
      const result = await withCalendar(options, async (client) => {
        const owner = await client.getUser(options.user)
        const parsed = importCalendar(text, { defaultZone: owner.tz, domain: options.domain })
        const own = new Map((await client.listEvents(owner.id)).events.map((view) => [view.id, view]))
        const warnings = [...parsed.warnings]
        const imported: Array<{ id: string; uid: string; title: string; outcome: ImportOutcome }> = []
        // One at a time, in file order: a failure names the event and leaves the ones before it stored.
        for (const event of parsed.events) {
          const identity = parsed.identities.get(event.id)
          const params = eventAddParams(owner.id, event)
          const match = identity === undefined ? null : matchOwnEvent(event, identity.uid, own)
          const store = async (): Promise<{ id: string; outcome: ImportOutcome }> => {
            if (match?.kind === 'same') return { id: match.view.id, outcome: 'unchanged' }
            if (match?.kind === 'changed' && match.view.meetingId !== null) {
              warnings.push({ line: 0, message: `event "${event.id}" is meeting ${match.view.meetingId} as stored now; the file's copy differs and was not applied (change a meeting with dms meeting move)` })
              return { id: match.view.id, outcome: 'older' }
            }
            if (match?.kind === 'changed') {
              const updated = await client.updateEvent({ ...params, eventId: match.view.id, expectedVersion: match.view.version })
              return { id: updated.id, outcome: 'updated' }
            }
            // By UID, so importing the file again updates or keeps its events; a VEVENT without UID can only be added.
            return identity === undefined ? { ...(await client.addEvent(params)), outcome: 'added' } : client.importEvent({ ...params, ical: identity })
          }
          const stored = await store().catch((error: Error) => {
            throw new Error(`${file}: event "${event.id}" (${event.title}) was not stored: ${error.message}; ${imported.length} events before it were`)
          })
          imported.push({ id: stored.id, uid: event.id, title: event.title, outcome: stored.outcome })
        }
        const count = (outcome: ImportOutcome) => imported.filter((e) => e.outcome === outcome).length
        const counts = { added: count('added'), updated: count('updated'), unchanged: count('unchanged'), older: count('older') }
        return { user: owner.id, file, imported, ...counts, warnings }
      })
      printResult(options.json === true, result, (r) =>
        [
          `${r.user}'s calendar: ${r.added} events added, ${r.updated} updated, ${r.unchanged} unchanged, ${r.older} kept (the stored copy is newer)`,
          ...r.imported.map((e) => `  ${e.outcome.padEnd(9)} ${e.id}  ${e.uid}  ${e.title}`),
          ...r.warnings.map((w) => `warning: ${w.message}`),
        ].join('\n'),
      )
    })

  withOutput(withSessionOptions(ical.command('freebusy').description('a person\'s busy time in a window as VFREEBUSY (no titles or details)')))
    .requiredOption('--user <id>', 'whose free/busy')
    .requiredOption('--from <time>', 'window start (without offset: wall time in the person\'s zone)')
    .requiredOption('--to <time>', 'window end')
    .action(async (options: OutputOptions & { user: string; from: string; to: string }) => {
      const text = await withCalendar(options, async (client) => {
        const owner = await client.getUser(options.user)
        const window = { start: instantOf(options.from, owner.tz, '--from'), end: instantOf(options.to, owner.tz, '--to') }
        if (window.end <= window.start) throw new Error(`--to: ${options.to} must be after --from (${options.from})`)
        const answer = await client.office(owner.office).call('calendar.freeBusy', { users: [owner.id], from: options.from, to: options.to, tz: owner.tz })
        const person = answer.users[0]
        if (person === undefined) throw new Error(`--user: office ${owner.office} returned no free/busy for "${owner.id}"`)
        const set = (intervals: ReadonlyArray<{ start: string; end: string }>) => IntervalSet.of(intervals.map((i) => ({ start: Date.parse(i.start), end: Date.parse(i.end) })))
        const tentative = set(person.tentative)
        return exportFreeBusy({ user: owner.id, window, busy: set(person.busy).union(tentative), tentative }, exportContext(options.domain))
      })
      await writeIcs(options, text)
    })
}

function withOutput(command: Command): Command {
  return command
    .option('--out <file>', 'write the .ics here instead of stdout')
    .option('--domain <domain>', 'domain of UIDs and calendar addresses ("<id>@<domain>")', DEFAULT_DOMAIN)
}

function exportContext(domain: string): ExportContext {
  return { domain, now: Date.now }
}

/** Every stored event of the person, or only those with an occurrence in the window. */
async function eventsToExport(client: CalendarClient, user: string, window: { from: string; to: string } | null) {
  const stored = (await client.listEvents(user)).events
  if (window === null) return stored.map(calendarEventOf)
  const agenda = await client.agenda({ user, from: window.from, to: window.to })
  const inWindow = new Set(agenda.events.map((occurrence) => occurrence.id))
  return stored.filter((event) => inWindow.has(event.id)).map(calendarEventOf)
}

async function writeIcs(options: { readonly out?: string }, text: string): Promise<void> {
  if (options.out === undefined) process.stdout.write(text)
  else await writeFile(options.out, text)
}
