/**
 * `dms ical` end to end against a real office: a person's calendar (a series from a Google-shaped
 * file with a moved and a cancelled occurrence, a London series with EXDATE, a meeting) exported,
 * imported into another person, and found the same: same agenda, same .ics but for ids and stamps.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startTestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'
import { comparableEvents } from './comparable-vevents.js'
import { startIcalTestOffice } from './ical-test-office.js'

const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))
const WINDOW = ['--from', '2026-03-01T00:00:00Z', '--to', '2026-05-01T00:00:00Z']

t.test('export a calendar, import it into another person: same agenda, same events', async (t) => {
  const { dir, dms, json } = await startIcalTestOffice(t)

  for (const id of ['alice', 'bob', 'dana']) await json('user', 'add', '--id', id, '--office', 'nyc')
  const imported = await json('ical', 'import', '--user', 'alice', fixture('google-calendar.ics'))
  t.match(imported, { user: 'alice', imported: [{ uid: '4kq0standup9v1@google.com', title: 'Standup, team A' }, { title: 'Call with vendor' }] })
  await json('event', 'add', '--user', 'alice', '--start', '2026-03-24T08:00', '--end', '2026-03-24T09:00', '--tz', 'Europe/London', '--title', 'London sync',
    '--rule', 'RRULE:FREQ=WEEKLY;COUNT=5', '--rule', 'EXDATE:20260407T080000')
  const meeting = await json('meeting', 'book', '--organizer', 'alice', '--attendees', 'bob', '--start', '2026-03-19T14:00', '--duration', '45', '--title', 'Plan')
  t.equal(meeting.status, 'booked')

  const exported = await dms('ical', 'export', '--user', 'alice')
  t.match(exported, /^BEGIN:VCALENDAR\r\n/)
  for (const part of ['BEGIN:VTIMEZONE\r\nTZID:America/New_York', 'TZID:Europe/London', 'RRULE:FREQ=WEEKLY', 'EXDATE;TZID=Europe/London:20260407T080000', 'RECURRENCE-ID;TZID=America/New_York:20260309T093000']) {
    t.ok(exported.includes(part), `the export has ${part}`)
  }
  const file = join(dir, 'alice.ics')
  await writeFile(file, exported)
  const again = await json('ical', 'import', '--user', 'dana', file)
  t.equal(again.imported.length, 4, 'the two series, the single event and the meeting')

  const agenda = async (user: string) => ((await json('agenda', '--user', user, ...WINDOW)).events as Array<{ start: string; end: string; title: string }>).map((e) => `${e.start} ${e.end} ${e.title}`)
  const alices = await agenda('alice')
  t.ok(alices.length >= 12, `alice has a full agenda (${alices.length} occurrences)`)
  t.same(await agenda('dana'), alices, 'dana\'s agenda is alice\'s')
  t.same(comparableEvents(await dms('ical', 'export', '--user', 'dana')), comparableEvents(exported), 'and so is her .ics, but for ids and stamps')

  const windowed = await dms('ical', 'export', '--user', 'alice', '--from', '2026-03-24T00:00:00Z', '--to', '2026-03-25T00:00:00Z')
  t.same(comparableEvents(windowed).map((e) => /SUMMARY:(.*)/.exec(e)?.[1]).sort(), ['London sync'], '--from/--to keeps the events with an occurrence in the window')

  const meetingIcs = (await dms('ical', 'export', '--meeting', meeting.id)).replace(/\r\n[ \t]/g, '')
  t.match(meetingIcs, /ORGANIZER;CN=alice:mailto:alice@dms\.invalid/)
  t.match(meetingIcs, /ATTENDEE;[^\r]*CN=bob[^\r]*:mailto:bob@dms\.invalid/)
  t.match(meetingIcs, /DTSTART;TZID=America\/New_York:20260319T140000/)

  const freebusy = await dms('ical', 'freebusy', '--user', 'bob', '--from', '2026-03-19T00:00:00Z', '--to', '2026-03-20T00:00:00Z')
  t.match(freebusy, /BEGIN:VFREEBUSY/)
  t.match(freebusy, /FREEBUSY;FBTYPE=BUSY:20260319T180000Z\/20260319T184500Z/, 'bob is busy with the meeting, 14:00-14:45 EDT')
  t.notMatch(freebusy, /Plan/, 'no titles leave the office')
})

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
  const cluster = await startTestCluster(t, { replicaCount: 1 })
  await cluster.waitForLeader('nyc')
  const dir = await mkdtemp(join(tmpdir(), 'dms-ical-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const run = (...args: string[]) => runDms([...args, '--config', cluster.configPath])
  const json = async (...args: string[]): Promise<any> => {
    const result = await run(...args, '--json')
    if (result.code !== 0) throw new Error(`dms ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
    return JSON.parse(result.stdout)
  }
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
