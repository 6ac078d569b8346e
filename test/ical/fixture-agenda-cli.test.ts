/**
 * Real-world-shaped .ics files (Google, Outlook/Exchange, Apple, Thunderbird, a UTC-only service)
 * imported through `dms ical import` into a real office, each person's `dms agenda` compared line
 * by line with what the file means; a broken file refused with one line naming its line.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runDms } from '../integration/run-dms.js'
import { startIcalTestOffice } from './ical-test-office.js'

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

/**
 * What each real-world-shaped file must put on a person's agenda: "start end title" in UTC, worked
 * out by hand in fixture-import.test.ts (which gives the reasoning), here read back from a real office.
 */
const EXPECTED_AGENDAS: ReadonlyArray<{ file: string; tz: string; agenda: string[] }> = [
  {
    file: 'google-calendar.ics',
    tz: 'America/Chicago',
    agenda: [
      '2026-03-02T14:30:00.000Z 2026-03-02T15:00:00.000Z Standup, team A',
      '2026-03-09T15:00:00.000Z 2026-03-09T15:30:00.000Z Standup, team A',
      '2026-03-10T14:00:00.000Z 2026-03-10T15:00:00.000Z Call with vendor',
      '2026-03-16T13:30:00.000Z 2026-03-16T14:00:00.000Z Standup, team A',
      '2026-03-18T13:30:00.000Z 2026-03-18T14:00:00.000Z Standup, team A',
      '2026-03-23T13:30:00.000Z 2026-03-23T14:00:00.000Z Standup, team A',
      '2026-03-25T13:30:00.000Z 2026-03-25T14:00:00.000Z Standup, team A',
      '2026-03-30T13:30:00.000Z 2026-03-30T14:00:00.000Z Standup, team A',
    ],
  },
  {
    file: 'outlook-exchange.ics',
    tz: 'Europe/Berlin',
    agenda: [
      '2026-03-10T15:00:00.000Z 2026-03-10T16:00:00.000Z Design review (maybe)',
      '2026-03-12T06:43:00.000Z 2026-03-12T07:13:00.000Z Odd zone',
      '2026-03-12T09:00:00.000Z 2026-03-12T09:30:00.000Z Call with Bangalore office',
      '2026-03-25T08:00:00.000Z 2026-03-25T09:00:00.000Z Planning',
      '2026-04-01T07:00:00.000Z 2026-04-01T08:00:00.000Z Planning',
      '2026-04-02T22:00:00.000Z 2026-04-03T22:00:00.000Z Out of office (Good Friday)',
      '2026-04-08T07:00:00.000Z 2026-04-08T08:00:00.000Z Planning',
    ],
  },
  {
    file: 'outlook-recurring.ics',
    tz: 'America/New_York',
    agenda: [
      '2026-09-22T14:00:00.000Z 2026-09-22T14:30:00.000Z Weekly sync',
      '2026-09-29T18:00:00.000Z 2026-09-29T18:30:00.000Z Weekly sync',
      '2026-10-26T04:00:00.000Z 2026-10-28T04:00:00.000Z Conference (out of office)',
      '2026-10-26T08:00:00.000Z 2026-10-26T11:00:00.000Z Workshop Berlin',
      '2026-10-27T14:00:00.000Z 2026-10-27T14:30:00.000Z Weekly sync',
      '2026-11-10T15:00:00.000Z 2026-11-10T15:30:00.000Z Weekly sync',
    ],
  },
  {
    file: 'apple-calendar.ics',
    tz: 'America/New_York',
    agenda: [
      '2026-03-25T17:00:00.000Z 2026-03-25T18:00:00.000Z Piano lesson; bring the Chopin, and the new book\nRoom: "Studio 2"',
      '2026-03-29T00:00:00.000Z 2026-03-29T23:00:00.000Z Clocks go forward',
      '2026-04-01T08:00:00.000Z 2026-04-01T09:00:00.000Z Dentist',
      '2026-04-01T16:00:00.000Z 2026-04-01T17:00:00.000Z Piano lesson; bring the Chopin, and the new book\nRoom: "Studio 2"',
      "2026-05-13T23:00:00.000Z 2026-05-14T23:00:00.000Z Sam's birthday",
    ],
  },
  {
    file: 'apple-recurring.ics',
    tz: 'America/New_York',
    agenda: [
      '2026-10-27T01:00:00.000Z 2026-10-27T02:00:00.000Z Yoga',
      '2026-11-03T03:00:00.000Z 2026-11-03T04:00:00.000Z Yoga',
      '2026-11-24T02:00:00.000Z 2026-11-24T03:00:00.000Z Yoga',
    ],
  },
  {
    file: 'thunderbird.ics',
    tz: 'Europe/Berlin',
    agenda: [
      '2026-02-05T11:00:00.000Z 2026-02-05T12:00:00.000Z Team lunch',
      '2026-03-12T11:00:00.000Z 2026-03-12T12:00:00.000Z Team lunch',
      '2026-04-02T11:00:00.000Z 2026-04-02T12:30:00.000Z Team lunch',
      '2026-05-07T10:00:00.000Z 2026-05-07T11:00:00.000Z Team lunch',
      '2026-06-01T05:00:00.000Z 2026-06-01T06:00:00.000Z Morning run (floating time)',
      '2026-06-02T05:00:00.000Z 2026-06-02T06:00:00.000Z Morning run (floating time)',
      '2026-06-03T05:00:00.000Z 2026-06-03T06:00:00.000Z Morning run (floating time)',
      '2026-08-02T22:00:00.000Z 2026-08-14T22:00:00.000Z Holiday',
    ],
  },
  {
    file: 'utc-service.ics',
    tz: 'Asia/Tokyo',
    agenda: [
      '2026-01-05T08:00:00.000Z 2026-01-05T16:00:00.000Z On-call shift',
      '2026-01-19T08:00:00.000Z 2026-01-19T16:00:00.000Z On-call shift',
      '2026-01-26T08:00:00.000Z 2026-01-26T16:00:00.000Z On-call shift',
    ],
  },
]

t.test('real-world-shaped files import through the CLI onto the expected agenda; a broken file is refused naming its line', async (t) => {
  const { configPath, dir, json } = await startIcalTestOffice(t)
  const run = (...args: string[]) => runDms([...args, '--config', configPath])
  for (const [i, { file, tz, agenda }] of EXPECTED_AGENDAS.entries()) {
    const user = `person${i}`
    await json('user', 'add', '--id', user, '--office', 'nyc', '--tz', tz)
    const imported = await json('ical', 'import', '--user', user, fixture(file))
    t.ok(imported.imported.length > 0, `${file}: ${imported.imported.length} events stored`)
    const events = (await json('agenda', '--user', user, '--from', '2026-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z')).events as Array<{ start: string; end: string; title: string }>
    t.same(events.map((e) => `${e.start} ${e.end} ${e.title}`), agenda, `${file}: the agenda is as worked out by hand`)
  }

  // A broken file: the error names the file, the line and the property.
  const broken = join(dir, 'broken.ics')
  await writeFile(broken, 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20261301T090000Z\r\nDURATION:PT1H\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n')
  const refused = await run('ical', 'import', '--user', 'person0', broken)
  t.not(refused.code, 0)
  t.match(refused.stderr, /line 5: DTSTART: .*month outside 01\.\.12/)
  t.equal(refused.stderr.trim().split('\n').length, 1, 'one line on stderr')
  const missing = await run('ical', 'import', '--user', 'person0', '/nonexistent.ics')
  t.not(missing.code, 0)
  t.match(missing.stderr, /\/nonexistent\.ics: cannot read the \.ics file/)
  const both = await run('ical', 'export', '--user', 'person0', '--meeting', 'mtg-nyc-1')
  t.match(both.stderr, /give exactly one of --user and --meeting/)
})
