/**
 * `dms ical` end to end against a real office: a person's calendar (a series from a Google-shaped
 * file with a moved and a cancelled occurrence, a London series with EXDATE, a meeting) exported,
 * imported into another person, and found the same: same agenda, same .ics but for ids and stamps.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
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
