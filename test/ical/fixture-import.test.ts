import { readFileSync } from 'node:fs'
import t from 'tap'
import type { CalendarEvent } from '../../src/calendar/availability/calendar-event.js'
import { expandEvent } from '../../src/calendar/availability/event-occurrences.js'
import { importCalendar, type ImportResult } from '../../src/ical/index.js'

// Files shaped like what calendar programs export. Every expected instant is worked out by hand
// from the file, the zone's rules and the rule text; the comments give the reasoning.
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const YEAR_2026 = { start: Date.parse('2026-01-01T00:00:00Z'), end: Date.parse('2028-01-01T00:00:00Z') }

/** Occurrences as 'start/minutes' in UTC. */
function occurrences(event: CalendarEvent | undefined): string[] {
  if (event === undefined) return ['missing event']
  return expandEvent(event, YEAR_2026).map((o) => `${new Date(o.startMs).toISOString()}/${(o.endMs - o.startMs) / 60_000}`)
}
const byTitle = (result: ImportResult, title: string): CalendarEvent | undefined => result.events.find((e) => e.title === title)
const warningsAbout = (result: ImportResult, text: string): string[] => result.warnings.map((w) => w.message).filter((m) => m.includes(text))

t.test('Google Calendar export: VTIMEZONE, RRULE with UNTIL, EXDATE, moved and cancelled RECURRENCE-ID overrides', async (t) => {
  const result = importCalendar(fixture('google-calendar.ics'), { defaultZone: 'America/Chicago' })
  t.equal(result.events.length, 2, 'the series (master + 2 overrides) and the single event')
  const standup = byTitle(result, 'Standup, team A')
  t.equal(standup?.id, '4kq0standup9v1@google.com', 'a foreign UID is the id as it is')
  t.equal(standup?.zone, 'America/New_York')
  t.same(standup?.timing, { kind: 'timed', start: { year: 2026, month: 3, day: 2, hour: 9, minute: 30, second: 0 }, durationMinutes: 30 })
  // Mondays and Wednesdays 09:30-10:00 from Mon 2026-03-02. New York springs forward on Sun
  // 2026-03-08 (EST -5 before, EDT -4 after). UNTIL 2026-03-31T03:59:59Z is 23:59:59 EDT on Mon
  // 03-30, so 03-30 is the last. 03-04 is an EXDATE; 03-09 moved to 11:00-11:30 EDT (15:00Z);
  // 03-11 is overridden with STATUS:CANCELLED.
  t.same(occurrences(standup), [
    '2026-03-02T14:30:00.000Z/30',
    '2026-03-09T15:00:00.000Z/30',
    '2026-03-16T13:30:00.000Z/30',
    '2026-03-18T13:30:00.000Z/30',
    '2026-03-23T13:30:00.000Z/30',
    '2026-03-25T13:30:00.000Z/30',
    '2026-03-30T13:30:00.000Z/30',
  ])
  t.same(standup?.recurrence?.exceptions.map((e) => e.kind).sort(), ['cancelled', 'moved'])
  // UTC times stay UTC: the event's zone is UTC, 14:00Z-15:00Z.
  const call = byTitle(result, 'Call with vendor')
  t.equal(call?.zone, 'UTC')
  t.same(occurrences(call), ['2026-03-10T14:00:00.000Z/60'])
  t.equal(warningsAbout(result, 'VALARM').length, 1, 'the reminder is reported as dropped')
  t.match(warningsAbout(result, 'ATTENDEE')[0], /line 34: .*\(2 times, first here\)/, 'repeated drops are one warning with a count')
})

t.test('Outlook/Exchange export: Windows TZIDs, custom VTIMEZONEs, all-day, show-as, STATUS', async (t) => {
  const result = importCalendar(fixture('outlook-exchange.ics'), { defaultZone: 'Europe/Berlin' })
  t.equal(result.events.length, 5, 'the STATUS:CANCELLED event is skipped')
  t.equal(warningsAbout(result, 'STATUS:CANCELLED').length, 1)

  // "W. Europe Standard Time" is Europe/Berlin. Wednesdays 09:00 local, COUNT=3 from 03-25. Berlin
  // springs forward on Sun 2026-03-29: 03-25 is CET (+1) -> 08:00Z; 04-01 and 04-08 CEST (+2) -> 07:00Z.
  // Outlook's X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE makes it tentative although TRANSP is OPAQUE.
  const planning = byTitle(result, 'Planning')
  t.equal(planning?.zone, 'Europe/Berlin')
  t.equal(planning?.transparency, 'tentative')
  t.match(planning?.id, /^040000008200E00074C5B7101A82E008/, 'the folded UID is unfolded')
  t.same(occurrences(planning), ['2026-03-25T08:00:00.000Z/60', '2026-04-01T07:00:00.000Z/60', '2026-04-08T07:00:00.000Z/60'])

  // VALUE=DATE, no zone in the file: the person's zone (Berlin, CEST on 04-03): 22:00Z to 22:00Z.
  const goodFriday = byTitle(result, 'Out of office (Good Friday)')
  t.equal(goodFriday?.timing.kind, 'all-day')
  t.equal(goodFriday?.transparency, 'free')
  t.same(occurrences(goodFriday), ['2026-04-02T22:00:00.000Z/1440'])

  // "Pacific Standard Time" is America/Los_Angeles; on 2026-03-10 PDT (-7): 08:00 -> 15:00Z. STATUS:TENTATIVE.
  const review = byTitle(result, 'Design review (maybe)')
  t.equal(review?.zone, 'America/Los_Angeles')
  t.equal(review?.transparency, 'tentative')
  t.same(occurrences(review), ['2026-03-10T15:00:00.000Z/60'])

  // "Customized Time Zone" is +05:30 all year: matched by its offsets to a zone that is +05:30
  // without DST over the span (India's or Sri Lanka's). 14:30 +05:30 = 09:00Z.
  const bangalore = byTitle(result, 'Call with Bangalore office')
  t.ok(['Asia/Kolkata', 'Asia/Colombo'].includes(bangalore?.zone ?? ''), `matched zone ${bangalore?.zone}`)
  t.same(occurrences(bangalore), ['2026-03-12T09:00:00.000Z/30'])
  t.equal(warningsAbout(result, '"Customized Time Zone" read as').length, 1)

  // +03:17 is no zone's offset: kept as a fixed instant (10:00 +03:17 = 06:43Z) with a warning.
  const odd = byTitle(result, 'Odd zone')
  t.equal(odd?.zone, 'UTC')
  t.same(occurrences(odd), ['2026-03-12T06:43:00.000Z/30'])
  t.equal(warningsAbout(result, 'matches no IANA zone').length, 1)
})

t.test('Apple Calendar export: X-WR-TIMEZONE for floating and all-day times, folded text with escapes', async (t) => {
  const result = importCalendar(fixture('apple-calendar.ics'), { defaultZone: 'America/New_York' })
  t.equal(result.events.length, 4)
  // The SUMMARY is folded mid-word and holds \; \, \n escapes.
  const piano = result.events.find((e) => e.title.startsWith('Piano'))
  t.equal(piano?.title, 'Piano lesson; bring the Chopin, and the new book\nRoom: "Studio 2"')
  // Wednesdays 17:00 London, COUNT=2: 03-25 GMT -> 17:00Z; 04-01 BST (from 03-29) -> 16:00Z.
  t.same(occurrences(piano), ['2026-03-25T17:00:00.000Z/60', '2026-04-01T16:00:00.000Z/60'])
  // Floating 09:00 is read in X-WR-TIMEZONE Europe/London (not the person's New York): BST -> 08:00Z.
  const dentist = byTitle(result, 'Dentist')
  t.equal(dentist?.zone, 'Europe/London')
  t.same(occurrences(dentist), ['2026-04-01T08:00:00.000Z/60'])
  t.equal(warningsAbout(result, 'floating times').length, 1)
  // An all-day event on the day clocks go forward lasts 23 hours: 00:00 GMT to 00:00 BST.
  t.same(occurrences(byTitle(result, 'Clocks go forward')), ['2026-03-29T00:00:00.000Z/1380'])
  // A yearly all-day birthday, midnight to midnight BST.
  t.same(occurrences(byTitle(result, "Sam's birthday")), ['2026-05-13T23:00:00.000Z/1440', '2027-05-13T23:00:00.000Z/1440'])
  t.same(result.warnings.length, 1, 'Apple-only X- properties pass silently')
})

t.test('UTC-only service: DURATION, weekly RRULE with UTC UNTIL and EXDATE', async (t) => {
  const result = importCalendar(fixture('utc-service.ics'), { defaultZone: 'Asia/Tokyo' })
  const [shift] = result.events
  t.equal(shift?.zone, 'UTC')
  // Mondays 08:00Z for 8 h from 01-05 through UNTIL 01-26 08:00Z (inclusive), less EXDATE 01-12.
  t.same(occurrences(shift), ['2026-01-05T08:00:00.000Z/480', '2026-01-19T08:00:00.000Z/480', '2026-01-26T08:00:00.000Z/480'])
  t.same(result.warnings, [])
})

t.test('Outlook/Exchange recurring series: "Eastern Standard Time", EXDATE list folded mid-value, moved and cancelled overrides, X-MS-*', async (t) => {
  const result = importCalendar(fixture('outlook-recurring.ics'), { defaultZone: 'America/New_York' })
  t.equal(result.events.length, 3, 'the series (master + 2 overrides), the all-day absence, the Berlin workshop')
  const sync = byTitle(result, 'Weekly sync')
  t.equal(sync?.zone, 'America/New_York', '"Eastern Standard Time" is New York')
  // Tuesdays 10:00 from 09-22; UNTIL 11-10 15:00Z is 10:00 EST, so 11-10 is the last. The EXDATE
  // list (folded inside "20261103T100000") drops 10-13, 10-20 and 11-03; 09-29 moved to 14:00
  // EDT (18:00Z); 10-06 is a STATUS:CANCELLED override. New York falls back on Sun 11-01.
  t.same(occurrences(sync), ['2026-09-22T14:00:00.000Z/30', '2026-09-29T18:00:00.000Z/30', '2026-10-27T14:00:00.000Z/30', '2026-11-10T15:00:00.000Z/30'])
  t.same(sync?.recurrence?.exceptions.map((e) => e.kind).sort(), ['cancelled', 'moved'])
  // X-MICROSOFT-CDO-BUSYSTATUS:OOF is busy; the two days are whole days in the person's zone (EDT).
  const conference = byTitle(result, 'Conference (out of office)')
  t.equal(conference?.transparency, 'busy')
  t.same(occurrences(conference), ['2026-10-26T04:00:00.000Z/2880'])
  // Berlin left summer time on Sun 10-25, a week before New York: 09:00 CET is 08:00Z.
  t.same(occurrences(byTitle(result, 'Workshop Berlin')), ['2026-10-26T08:00:00.000Z/180'])
  t.equal(warningsAbout(result, '(a Windows zone name) read as America/New_York').length, 1)
  t.equal(warningsAbout(result, '(a Windows zone name) read as Europe/Berlin').length, 1)
  t.equal(warningsAbout(result, 'VALARM').length, 1)
  t.same(warningsAbout(result, 'X-M'), [], 'X-MICROSOFT-* and X-MS-OLK-* pass silently')
})

t.test('Thunderbird: RDATE, EXDATE in UTC, a moved and lengthened override, TAB-folded text, multi-day all-day, floating times', async (t) => {
  const result = importCalendar(fixture('thunderbird.ics'), { defaultZone: 'Europe/Berlin' })
  t.equal(result.events.length, 3)
  // First Thursdays 12:00 Berlin, COUNT=4 from 02-05: 02-05, 03-05, 04-02, 05-07. EXDATE
  // 20260305T110000Z is 12:00 CET on 03-05; RDATE adds 03-12 12:00 CET; the 04-02 override runs
  // 13:00-14:30 CEST (11:00Z, 90 min); 05-07 is CEST: 10:00Z.
  t.same(occurrences(byTitle(result, 'Team lunch')), ['2026-02-05T11:00:00.000Z/60', '2026-03-12T11:00:00.000Z/60', '2026-04-02T11:00:00.000Z/90', '2026-05-07T10:00:00.000Z/60'])
  // DTEND;VALUE=DATE is exclusive: 08-03 through 08-14, twelve days, shown as free (TRANSPARENT).
  const holiday = byTitle(result, 'Holiday')
  t.equal(holiday?.transparency, 'free')
  t.same(occurrences(holiday), ['2026-08-02T22:00:00.000Z/17280'])
  // Floating 07:00 (no TZID, no Z) is the person's wall clock: 07:00 CEST.
  t.same(occurrences(byTitle(result, 'Morning run (floating time)')), ['2026-06-01T05:00:00.000Z/60', '2026-06-02T05:00:00.000Z/60', '2026-06-03T05:00:00.000Z/60'])
  t.match(warningsAbout(result, 'floating times')[0], /^line 74: .*Europe\/Berlin/)
  t.same(warningsAbout(result, 'X-MOZ'), [], 'X-MOZ-* pass silently')
})

t.test('Apple Calendar recurring: one EXDATE per line, an override after the DST change, VALARM with X-APPLE-*, X-APPLE-STRUCTURED-LOCATION', async (t) => {
  const result = importCalendar(fixture('apple-recurring.ics'), { defaultZone: 'America/New_York' })
  const [yoga] = result.events
  t.equal(result.events.length, 1)
  t.equal(yoga?.zone, 'America/Los_Angeles')
  // Mondays 18:00 Los Angeles from 10-26 until 11-24 07:59:59Z (23:59:59 PST on 11-23): 10-26,
  // 11-02, 11-09, 11-16, 11-23. EXDATEs drop 11-09 and 11-16. 11-02 moved to 19:00-20:00 PST
  // (clocks went back on 11-01): 03:00Z. 10-26 is PDT (01:00Z next day), 11-23 PST (02:00Z).
  t.same(occurrences(yoga), ['2026-10-27T01:00:00.000Z/60', '2026-11-03T03:00:00.000Z/60', '2026-11-24T02:00:00.000Z/60'])
  t.same(result.warnings.map((w) => w.message), ['line 31: LOCATION is not imported (an event keeps its time, title and show-as only)', 'line 43: VALARM (reminder) is not imported'])
})
