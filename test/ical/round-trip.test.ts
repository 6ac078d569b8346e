import fc from 'fast-check'
import ICAL from 'ical.js'
import { isDeepStrictEqual } from 'node:util'
import t from 'tap'
import type { CalendarEvent } from '../../src/calendar/availability/calendar-event.js'
import { expandEvent } from '../../src/calendar/availability/event-occurrences.js'
import type { OccurrenceException } from '../../src/calendar/recurrence/index.js'
import { formatRuleValue, parseRuleValue } from '../../src/calendar/recurrence/rule-value.js'
import { toFloatingMs, type LocalDateTime } from '../../src/calendar/time/local-date-time.js'
import { exportCalendar, exportMeeting, importCalendar } from '../../src/ical/index.js'

const DOMAIN = 'dms.example'
const context = { domain: DOMAIN, now: () => Date.parse('2026-01-01T00:00:00Z') }
const at = (year: number, month: number, day: number, hour = 0, minute = 0): LocalDateTime => ({ year, month, day, hour, minute, second: 0 })
const roundTrip = (events: CalendarEvent[], zone = 'America/New_York'): CalendarEvent[] => {
  const text = exportCalendar({ id: 'alice', zone }, events, context)
  const result = importCalendar(text, { defaultZone: 'Pacific/Auckland', domain: DOMAIN })
  if (result.warnings.length > 0) throw new Error(`unexpected warnings: ${JSON.stringify(result.warnings)}`)
  return result.events
}
/** Rule parts in canonical order and exceptions sorted, so two events compare field by field. */
const normalized = (event: CalendarEvent): CalendarEvent => JSON.parse(JSON.stringify({
  ...event,
  recurrence:
    event.recurrence === null
      ? null
      : {
          lines: event.recurrence.lines.map((line) => {
            const rule = /^(RRULE|EXRULE):(.*)$/.exec(line)
            return rule === null ? line : `${rule[1]}:${formatRuleValue(parseRuleValue(rule[2] ?? '', 'RRULE', 'test'))}`
          }),
          exceptions: [...event.recurrence.exceptions].sort((a, b) => toFloatingMs(a.originalStart) - toFloatingMs(b.originalStart)),
        },
})) as CalendarEvent
/** Folded lines joined again, for matching whole properties. */
const unfold = (text: string): string => text.replace(/\r\n[ \t]/g, '')
const instants = (event: CalendarEvent, from: string, to: string): string[] =>
  expandEvent(event, { start: Date.parse(from), end: Date.parse(to) }).map((o) => `${new Date(o.startMs).toISOString()}/${o.endMs - o.startMs}`)

const SEED: CalendarEvent = {
  id: 'evt-seed',
  title: 'Office sync',
  zone: 'America/New_York',
  timing: { kind: 'timed', start: at(2026, 1, 21, 10), durationMinutes: 60 },
  transparency: 'busy',
  recurrence: {
    lines: ['RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR'],
    exceptions: [],
  },
  meetingId: 'mtg-seed',
}

t.test("the seed's pattern: identical instants over 2026-2028 after export and import", async (t) => {
  const [back] = roundTrip([SEED])
  if (back === undefined) throw new Error('no event')
  const before = instants(SEED, '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z')
  // 11 third Wednesdays + 1 second-to-last Friday of November per year.
  t.equal(before.length, 36)
  t.same(instants(back, '2026-01-01T00:00:00Z', '2029-01-01T00:00:00Z'), before)
  t.equal(back.meetingId, 'mtg-seed')
  t.equal(back.id, 'evt-seed', 'UIDs of this domain give the id back')
})

t.test('events of every shape come back field by field', async (t) => {
  const moved: OccurrenceException = { kind: 'moved', originalStart: at(2026, 4, 15, 10), start: at(2026, 4, 16, 11, 30), durationMinutes: 45 }
  const movedSameLength: OccurrenceException = { kind: 'moved', originalStart: at(2026, 6, 17, 10), start: at(2026, 6, 17, 8) }
  const cancelled: OccurrenceException = { kind: 'cancelled', originalStart: at(2026, 5, 20, 10) }
  const events: CalendarEvent[] = [
    { ...SEED, id: 'evt-exceptions', title: 'Commas, semicolons; "quotes"\nand a second line', recurrence: {
      lines: [...(SEED.recurrence?.lines ?? []), 'EXDATE:20260318T100000', 'RDATE;TZID=Europe/London:20260701T090000', 'EXDATE:20260819T140000Z'],
      exceptions: [moved, cancelled, movedSameLength],
    } },
    // All-day, several days, in another zone than the owner's, free; yearly with a DATE UNTIL.
    { id: 'evt-holiday', title: 'Holiday', zone: 'Europe/Berlin', timing: { kind: 'all-day', start: at(2026, 3, 28), days: 3 }, transparency: 'free',
      recurrence: { lines: ['RRULE:FREQ=YEARLY;UNTIL=20300101', 'EXDATE;VALUE=DATE:20280328'], exceptions: [{ kind: 'moved', originalStart: at(2027, 3, 28), start: at(2027, 4, 2) }] }, meetingId: null },
    // In UTC, tentative, with a COUNT.
    { id: 'evt-utc', title: 'UTC thing', zone: 'UTC', timing: { kind: 'timed', start: at(2026, 2, 2, 23, 15), durationMinutes: 90 }, transparency: 'tentative',
      recurrence: { lines: ['RRULE:FREQ=DAILY;COUNT=5', 'EXDATE:20260203T231500'], exceptions: [{ kind: 'cancelled', originalStart: at(2026, 2, 4, 23, 15) }] }, meetingId: null },
    // Starts in the spring-forward gap (02:30 does not exist in New York on 2026-03-08).
    { id: 'evt-gap', title: 'In the gap', zone: 'America/New_York', timing: { kind: 'timed', start: at(2026, 3, 8, 2, 30), durationMinutes: 30 }, transparency: 'busy', recurrence: null, meetingId: null },
    // Ends in the second pass of the fall-back hour (01:00-02:00 happens twice on 2026-11-01).
    { id: 'evt-fallback', title: 'Across fall-back', zone: 'America/New_York', timing: { kind: 'timed', start: at(2026, 11, 1, 0, 30), durationMinutes: 120 }, transparency: 'busy', recurrence: null, meetingId: null },
  ]
  const back = roundTrip(events)
  t.same(back.map(normalized), events.map(normalized))
  for (const [i, event] of events.entries()) {
    const other = back[i]
    if (other === undefined) throw new Error(`missing ${event.id}`)
    t.same(instants(other, '2026-01-01T00:00:00Z', '2031-01-01T00:00:00Z'), instants(event, '2026-01-01T00:00:00Z', '2031-01-01T00:00:00Z'), `${event.id}: same instants`)
  }
})

t.test('a wall-clock UNTIL is written in UTC, as RFC 5545 requires with TZID, and means the same', async (t) => {
  const event: CalendarEvent = { ...SEED, id: 'evt-until', recurrence: { lines: ['RRULE:FREQ=WEEKLY;UNTIL=20260401T100000'], exceptions: [] } }
  const text = exportCalendar({ id: 'alice', zone: 'America/New_York' }, [event], context)
  // 2026-04-01 10:00 EDT is 14:00Z.
  t.match(text, /RRULE:FREQ=WEEKLY;UNTIL=20260401T140000Z/)
  const [back] = importCalendar(text, { defaultZone: 'UTC', domain: DOMAIN }).events
  if (back === undefined) throw new Error('no event')
  t.same(instants(back, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), instants(event, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'))
  t.equal(instants(back, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z').length, 11, 'Jan 21 through Apr 1')
})

t.test('the export is valid for ical.js, deterministic, and has one VTIMEZONE per zone used', async (t) => {
  const events = [SEED, { ...SEED, id: 'evt-2', zone: 'Asia/Tokyo', recurrence: { lines: ['RDATE;TZID=Europe/London:20260301T090000'], exceptions: [] } }]
  const text = exportCalendar({ id: 'alice', zone: 'America/New_York' }, events, context)
  t.equal(text, exportCalendar({ id: 'alice', zone: 'America/New_York' }, events, context))
  const calendar = new ICAL.Component(ICAL.parse(text))
  t.same(calendar.getAllSubcomponents('vtimezone').map((c) => c.getFirstPropertyValue('tzid')), ['America/New_York', 'Asia/Tokyo', 'Europe/London'])
  t.match(text, /DTSTAMP:20260101T000000Z/)
  t.ok(text.split('\r\n').every((line) => Buffer.byteLength(line) <= 75), 'lines are folded at 75 octets')
})

t.test('a meeting exports with organizer, attendees, answers and cancelled occurrences', async (t) => {
  const text = exportMeeting(
    {
      id: 'mtg-1', organizer: 'alice', required: ['bob'], optional: ['chika'], title: 'Planning', zone: 'Europe/London',
      start: at(2026, 3, 18, 10), durationMinutes: 30, lines: ['RRULE:FREQ=WEEKLY;COUNT=4'], cancelledOccurrences: [at(2026, 3, 25, 10)],
      status: 'booked', responses: { bob: 'accepted' },
    },
    context,
  )
  const unfolded = unfold(text)
  t.match(unfolded, /ORGANIZER;CN=alice:mailto:alice@dms\.example/)
  t.match(unfolded, /ATTENDEE;CN=bob;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:bob@dms\.example/)
  t.match(unfolded, /ATTENDEE;CN=chika;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION:mailto:chika@dms\.example/)
  const result = importCalendar(text, { defaultZone: 'UTC', domain: DOMAIN })
  const [meeting] = result.events
  t.equal(meeting?.meetingId, 'mtg-1')
  // Weekly from 03-18 10:00 London (GMT -> 10:00Z), 03-25 cancelled, 04-01 and 04-08 in BST -> 09:00Z.
  t.same(meeting === undefined ? [] : instants(meeting, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), [
    '2026-03-18T10:00:00.000Z/1800000', '2026-04-01T09:00:00.000Z/1800000', '2026-04-08T09:00:00.000Z/1800000',
  ])
  t.ok(result.warnings.some((w) => w.message.includes('ATTENDEE')), 'attendees are reported as not kept by an event')
})

t.test('a meeting with a moved occurrence exports it as a RECURRENCE-ID override and imports back to the same occurrences', async (t) => {
  const text = exportMeeting(
    {
      id: 'mtg-nyc-7', organizer: 'alice', required: ['lena'], optional: [], title: 'Sync', zone: 'America/New_York',
      start: at(2026, 3, 18, 10), durationMinutes: 60, lines: ['RRULE:FREQ=WEEKLY;COUNT=3'], cancelledOccurrences: [],
      // The second occurrence moved a day later, to 14:00, and shortened to 30 minutes.
      movedOccurrences: [{ originalStart: at(2026, 3, 25, 10), start: at(2026, 3, 26, 14), durationMinutes: 30 }],
      status: 'booked',
    },
    context,
  )
  const unfolded = unfold(text)
  t.match(unfolded, /BEGIN:VEVENT\r\n(?:[^\r]*\r\n)*?RECURRENCE-ID;TZID=America\/New_York:20260325T100000\r\n/)
  t.match(unfolded, /DTSTART;TZID=America\/New_York:20260326T140000/)
  const result = importCalendar(text, { defaultZone: 'UTC', domain: DOMAIN })
  t.equal(result.events.length, 1, 'the override folds back into its series')
  const [meeting] = result.events
  t.same(meeting?.recurrence?.exceptions, [{ kind: 'moved', originalStart: at(2026, 3, 25, 10), start: at(2026, 3, 26, 14), durationMinutes: 30 }])
  // EDT from 03-08: 10:00 -> 14:00Z; the moved one 14:00 EDT -> 18:00Z for 30 minutes.
  t.same(meeting === undefined ? [] : instants(meeting, '2026-01-01T00:00:00Z', '2027-01-01T00:00:00Z'), [
    '2026-03-18T14:00:00.000Z/3600000', '2026-03-26T18:00:00.000Z/1800000', '2026-04-01T14:00:00.000Z/3600000',
  ])
})

// ---- property: random valid events round-trip exactly ----

const ZONES = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns', 'UTC', 'Asia/Tokyo', 'Pacific/Chatham'] as const
const RULES = [
  'RRULE:FREQ=DAILY;COUNT=10',
  'RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH',
  'RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11',
  'RRULE:FREQ=YEARLY;BYDAY=-2FR;BYMONTH=11',
  'RRULE:FREQ=MONTHLY;COUNT=6;BYMONTHDAY=-1',
  'RRULE:FREQ=WEEKLY;UNTIL=20271231T120000Z',
]
const localArb = fc.record({
  year: fc.integer({ min: 2025, max: 2028 }),
  month: fc.integer({ min: 1, max: 12 }),
  day: fc.integer({ min: 1, max: 28 }),
  hour: fc.integer({ min: 0, max: 23 }),
  minute: fc.constantFrom(0, 15, 30, 45),
  second: fc.constant(0),
})
const eventArb = fc
  .record({
    id: fc.stringMatching(/^[a-z0-9-]{1,12}$/),
    title: fc.string({ maxLength: 120 }),
    zone: fc.constantFrom(...ZONES),
    start: localArb,
    allDay: fc.boolean(),
    minutes: fc.integer({ min: 1, max: 3 * 24 * 60 }),
    days: fc.integer({ min: 1, max: 5 }),
    transparency: fc.constantFrom('busy', 'tentative', 'free'),
    rule: fc.option(fc.constantFrom(...RULES), { nil: null }),
    meetingId: fc.option(fc.stringMatching(/^mtg-[a-z0-9]{1,8}$/), { nil: null }),
  })
  .map(({ id, title, zone, start, allDay, minutes, days, transparency, rule, meetingId }): CalendarEvent => {
    const midnight = { ...start, hour: 0, minute: 0 }
    return {
      id,
      title,
      zone,
      timing: allDay ? { kind: 'all-day', start: midnight, days } : { kind: 'timed', start, durationMinutes: minutes },
      transparency,
      // RFC 5545 wants a DATE UNTIL with a DATE start; the import reads what the export must write.
      recurrence: rule === null ? null : { lines: [allDay ? rule.replace(/UNTIL=(\d{8})T\d{6}Z/, 'UNTIL=$1') : rule], exceptions: [] },
      meetingId,
    }
  })

t.test('property: random valid events survive export and import unchanged', async (t) => {
  fc.assert(
    fc.property(fc.uniqueArray(eventArb, { minLength: 1, maxLength: 4, selector: (e) => e.id }), (events) =>
      isDeepStrictEqual(roundTrip(events).map(normalized), events.map(normalized)),
    ),
    { seed: 20260121, numRuns: 60 },
  )
  t.pass('60 random calendars round-tripped')
})
