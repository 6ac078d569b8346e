import t, { type Test } from 'tap'
import { CalendarInputError } from '../../src/calendar/calendar-input-error.js'
import { importCalendar } from '../../src/ical/index.js'

// Bad files give a CalendarInputError whose message names the line and the property, and never hang.
const options = { defaultZone: 'Europe/Paris' }
const calendar = (...lines: string[]): string => ['BEGIN:VCALENDAR', 'VERSION:2.0', ...lines, 'END:VCALENDAR', ''].join('\r\n')
const event = (...lines: string[]): string[] => ['BEGIN:VEVENT', 'UID:e1', ...lines, 'END:VEVENT']
const timed = ['DTSTART;TZID=Europe/Paris:20260310T090000', 'DTEND;TZID=Europe/Paris:20260310T100000']

function rejects(t: Test, text: string, message: RegExp, what: string, limits: { maxChars?: number; maxComponents?: number } = {}): void {
  try {
    importCalendar(text, { ...options, ...limits })
    t.fail(`${what}: no error`)
  } catch (error) {
    t.ok(error instanceof CalendarInputError, `${what}: a CalendarInputError`)
    t.match((error as Error).message, message, what)
  }
}

t.test('structure errors name the line', async (t) => {
  rejects(t, calendar(...event(...timed).slice(0, -1)), /line 7: END:VCALENDAR where END:VEVENT \(begun on line 3\) was expected/, 'missing END:VEVENT')
  rejects(t, ['BEGIN:VCALENDAR', ...event(...timed)].join('\r\n'), /BEGIN:VCALENDAR on line 1 has no END:VCALENDAR/, 'missing END at the end of the file')
  rejects(t, calendar('END:VEVENT'), /line 3: END:VEVENT where END:VCALENDAR/, 'END without BEGIN')
  rejects(t, 'hello\r\nworld\r\n', /line 1: "hello" outside BEGIN:VCALENDAR/, 'not iCalendar at all')
  rejects(t, '', /no BEGIN:VCALENDAR found/, 'empty file')
  rejects(t, calendar(...event('this line has no colon', ...timed)), /line 5: "this line has no colon" is not a valid content line/, 'a line without a value')
})

t.test('value errors name the line and property', async (t) => {
  rejects(t, calendar(...event('DTSTART;TZID=Europe/Paris:20261301T090000', 'DURATION:PT1H')), /line 5: DTSTART: .*month outside 01\.\.12/, 'month 13')
  rejects(t, calendar(...event('DTSTART;TZID=Europe/Paris:20260230T090000', 'DURATION:PT1H')), /line 5: DTSTART: .*not a calendar date \(February 2026 has 28 days\)/, 'February 30')
  rejects(t, calendar(...event('DTSTART:2026-03-10', 'DURATION:PT1H')), /line 5: DTSTART: not a date/, 'ISO date instead of iCalendar form')
  rejects(t, calendar(...event(...timed, 'RRULE:FREQ=SOMETIMES')), /line 7: .*RRULE.*SOMETIMES/, 'unknown FREQ')
  rejects(t, calendar(...event(...timed, 'RRULE:FREQ=WEEKLY;COUNT=2;UNTIL=20270101T000000Z')), /line 7: RRULE: COUNT and UNTIL must not both be given/, 'COUNT with UNTIL')
  rejects(t, calendar(...event(...timed, 'RRULE:FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2')), /line 7: RRULE: the rule never produces an occurrence/, 'impossible rule')
  rejects(t, calendar(...event('DTSTART;TZID=Europe/Paris:20260310T090000', 'DURATION:PXYZ')), /line 6: DURATION: not a duration/, 'bad duration')
  rejects(t, calendar(...event('DTSTART;TZID=Europe/Paris:20260310T090000', 'DTEND;TZID=Europe/Paris:20260310T080000')), /line 6: DTEND: the event ends before it starts/, 'end before start')
  rejects(t, calendar(...event('DTSTART;TZID=Mars/Olympus:20260310T090000', 'DURATION:PT1H')), /line 5: TZID "Mars\/Olympus" is neither a known zone name nor defined by a VTIMEZONE/, 'unknown zone')
  rejects(t, calendar(...event('DURATION:PT1H')), /line 3: VEVENT has no DTSTART/, 'no DTSTART')
  rejects(t, calendar(...event(...timed, 'DTSTART;TZID=Europe/Paris:20260311T090000')), /line 7: DTSTART: given twice/, 'two DTSTARTs')
})

t.test('size limits are enforced before any parsing, with the limit in the message', async (t) => {
  const huge = calendar(...event(...timed, `DESCRIPTION:${'x'.repeat(2_000_000)}`))
  rejects(t, huge, /the file has \d+ characters, more than the limit of 1048576/, 'file too large', { maxChars: 1_048_576 })
  const many = calendar(...Array.from({ length: 200 }, (_, i) => event(...timed).map((l) => (l === 'UID:e1' ? `UID:e${i}` : l))).flat())
  rejects(t, many, /line \d+: more than 100 components \(BEGIN lines\); split the file/, 'too many components', { maxComponents: 100 })
  // Within limits, a large valid file imports (and in bounded time: it is one linear pass).
  t.equal(importCalendar(many, options).events.length, 200)
})

t.test('unrepresentable but valid content becomes warnings, not errors', async (t) => {
  const result = importCalendar(
    calendar(
      ...event(...timed, 'RRULE:FREQ=WEEKLY;COUNT=3', 'BEGIN:VALARM', 'TRIGGER:-PT10M', 'ACTION:DISPLAY', 'END:VALARM'),
      'BEGIN:VEVENT', 'UID:e1', 'RECURRENCE-ID;TZID=Europe/Paris:20260311T090000', 'DTSTART;TZID=Europe/Paris:20260311T100000', 'DURATION:PT1H', 'END:VEVENT',
      'BEGIN:VTODO', 'UID:t1', 'SUMMARY:Buy milk', 'END:VTODO',
      'BEGIN:VEVENT', 'UID:e2', 'DTSTART;TZID=Europe/Paris:20260312T090000', 'END:VEVENT',
    ),
    options,
  )
  t.equal(result.events.length, 1)
  t.same(result.events[0]?.recurrence?.exceptions, [], 'an override of a non-occurrence is skipped')
  const messages = result.warnings.map((w) => w.message).join('\n')
  t.match(messages, /line 8: VALARM \(reminder\) is not imported/)
  t.match(messages, /line 13: the override of 2026-03-11T09:00:00 was skipped/)
  t.match(messages, /line 19: VTODO is not imported/)
  t.match(messages, /line 23: an event without length .* was skipped/)
})
