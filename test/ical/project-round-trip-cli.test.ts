/**
 * "An .ics file exported by the project imports into the project unchanged", end to end through
 * the CLI against a real office: a recurring meeting made here (an EXDATE, an occurrence moved and
 * one cancelled with `dms meeting move/cancel --occurrence`) exported, imported back into the same
 * person (every event unchanged, nothing duplicated) and into another (the same agenda and .ics);
 * an edited copy updates the person's own event in place and leaves the meeting to the meeting.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { comparableEvents } from './comparable-vevents.js'
import { startIcalTestOffice } from './ical-test-office.js'

const WINDOW = ['--from', '2026-04-01T00:00:00Z', '--to', '2026-06-01T00:00:00Z']

t.test('a series with an EXDATE, a moved and a cancelled occurrence survives export and import unchanged', async (t) => {
  const { dir, dms, json } = await startIcalTestOffice(t)
  const agenda = async (user: string): Promise<string[]> =>
    ((await json('agenda', '--user', user, ...WINDOW)).events as Array<{ start: string; end: string; title: string }>).map((e) => `${e.start} ${e.end} ${e.title}`)
  const outcomes = (result: any): string[] => (result.imported as Array<{ outcome: string }>).map((e) => e.outcome)

  for (const id of ['alice', 'bob', 'dana']) await json('user', 'add', '--id', id, '--office', 'nyc')
  // Tuesdays 09:00 New York for six weeks from 04-07, without 04-14.
  const booked = await json('meeting', 'book', '--organizer', 'alice', '--attendees', 'bob', '--start', '2026-04-07T09:00', '--duration', '30', '--title', 'Tuesday review',
    '--rule', 'RRULE:FREQ=WEEKLY;COUNT=6', '--rule', 'EXDATE:20260414T090000')
  t.equal(booked.status, 'booked')
  t.equal((await json('meeting', 'move', booked.id, '--occurrence', '2026-04-21T13:00:00Z', '--start', '2026-04-21T15:30', '--duration', '45')).status, 'booked')
  t.equal((await json('meeting', 'cancel', booked.id, '--occurrence', '2026-04-28T13:00:00Z')).status, 'cancelled')
  await json('event', 'add', '--user', 'alice', '--start', '2026-04-08T12:00', '--end', '2026-04-08T13:00', '--title', 'Lunch walk', '--rule', 'RRULE:FREQ=DAILY;COUNT=3')

  const aliceAgenda = await agenda('alice')
  t.same(aliceAgenda, [
    '2026-04-07T13:00:00.000Z 2026-04-07T13:30:00.000Z Tuesday review',
    '2026-04-08T16:00:00.000Z 2026-04-08T17:00:00.000Z Lunch walk',
    '2026-04-09T16:00:00.000Z 2026-04-09T17:00:00.000Z Lunch walk',
    '2026-04-10T16:00:00.000Z 2026-04-10T17:00:00.000Z Lunch walk',
    '2026-04-21T19:30:00.000Z 2026-04-21T20:15:00.000Z Tuesday review',
    '2026-05-05T13:00:00.000Z 2026-05-05T13:30:00.000Z Tuesday review',
    '2026-05-12T13:00:00.000Z 2026-05-12T13:30:00.000Z Tuesday review',
  ], 'the series less the EXDATE and the cancelled occurrence, with the moved one at 15:30 EDT for 45 minutes')

  const exported = await dms('ical', 'export', '--user', 'alice')
  const unfolded = exported.replace(/\r\n[ \t]/g, '')
  for (const part of ['RRULE:FREQ=WEEKLY;COUNT=6', 'EXDATE;TZID=America/New_York:20260414T090000', 'RECURRENCE-ID;TZID=America/New_York:20260421T090000', 'DTSTART;TZID=America/New_York:20260421T153000']) {
    t.ok(unfolded.includes(part), `the export has ${part}`)
  }
  const file = join(dir, 'alice.ics')
  await writeFile(file, exported)

  // The meeting on its own: the series with its zone, its EXDATE, the cancelled and the moved occurrence, the people.
  const meetingIcs = (await dms('ical', 'export', '--meeting', booked.id)).replace(/\r\n[ \t]/g, '')
  for (const part of ['BEGIN:VTIMEZONE\r\nTZID:America/New_York', 'RRULE:FREQ=WEEKLY;COUNT=6', 'EXDATE;TZID=America/New_York:20260414T090000', 'EXDATE;X-DMS-CANCELLED=TRUE;TZID=America/New_York:20260428T090000',
    'RECURRENCE-ID;TZID=America/New_York:20260421T090000', 'ORGANIZER;CN=alice:mailto:alice@dms.invalid']) {
    t.ok(meetingIcs.includes(part), `the meeting's export has ${part}`)
  }
  t.match(meetingIcs, /ATTENDEE;[^\r]*CN=bob[^\r]*:mailto:bob@dms\.invalid/)

  const intoAlice = await json('ical', 'import', '--user', 'alice', file)
  t.same(outcomes(intoAlice), ['unchanged', 'unchanged'], 'back into alice: both events are the ones she has')
  t.same(await agenda('alice'), aliceAgenda, 'nothing duplicated or changed')

  const intoDana = await json('ical', 'import', '--user', 'dana', file)
  t.same(outcomes(intoDana), ['added', 'added'])
  t.same(await agenda('dana'), aliceAgenda, 'into dana: the same agenda')
  const danas = await dms('ical', 'export', '--user', 'dana')
  t.same(comparableEvents(danas), comparableEvents(exported), 'and the same .ics, but for ids and stamps')
  await writeFile(file, danas)
  t.same(outcomes(await json('ical', 'import', '--user', 'dana', file)), ['unchanged', 'unchanged'], "dana's own export is unchanged in her calendar")

  // A file edited since the export: her own event takes the file's version; the meeting's event
  // changes only through the meeting, so the file's copy of it is reported as older.
  await writeFile(file, exported.replace('SUMMARY:Lunch walk', 'SUMMARY:Lunch run').replace('SUMMARY:Tuesday review', 'SUMMARY:Edited review'))
  const edited = await json('ical', 'import', '--user', 'alice', file)
  t.same(outcomes(edited).sort(), ['older', 'updated'])
  t.match(edited.warnings.map((w: { message: string }) => w.message).join('\n'), /is meeting mtg-\S+ as stored now; the file's copy differs and was not applied/)
  const titles = new Set((await agenda('alice')).map((line) => line.split(' ').slice(2).join(' ')))
  t.same([...titles].sort(), ['Lunch run', 'Tuesday review'], 'the event renamed in place, the meeting as booked, nothing added')
})
