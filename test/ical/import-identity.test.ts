/** What identifies an imported event at the next import: UID, RECURRENCE-ID of a lone occurrence, SEQUENCE and LAST-MODIFIED. */
import { readFileSync } from 'node:fs'
import t from 'tap'
import { importCalendar } from '../../src/ical/index.js'

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const calendar = (...lines: string[]): string => ['BEGIN:VCALENDAR', 'VERSION:2.0', ...lines, 'END:VCALENDAR', ''].join('\r\n')
const timed = ['DTSTART;TZID=Europe/Paris:20260310T090000', 'DTEND;TZID=Europe/Paris:20260310T100000']

t.test('a series carries the highest SEQUENCE and the latest LAST-MODIFIED of its VEVENT and overrides', async (t) => {
  const result = importCalendar(fixture('google-calendar.ics'), { defaultZone: 'America/Chicago' })
  // The master has SEQUENCE:2, its two overrides SEQUENCE:3; all were modified 2026-02-15T12:00Z.
  t.same(result.identities.get('4kq0standup9v1@google.com'), { uid: '4kq0standup9v1@google.com', recurrenceId: null, sequence: 3, lastModifiedMs: Date.UTC(2026, 1, 15, 12) })
  t.equal(result.identities.size, result.events.length, 'every event of the file has a UID')
})

t.test('UIDs of this project keep their domain in the identity; an occurrence alone is keyed by its RECURRENCE-ID', async (t) => {
  const text = calendar(
    'BEGIN:VEVENT', 'UID:evt-nyc-7@dms.invalid', ...timed, 'SUMMARY:ours', 'END:VEVENT',
    'BEGIN:VEVENT', 'UID:party@example.com', 'RECURRENCE-ID;TZID=Europe/Paris:20260312T090000', 'DTSTART;TZID=Europe/Paris:20260312T100000', 'DURATION:PT1H', 'SEQUENCE:4', 'END:VEVENT',
    'BEGIN:VEVENT', ...timed, 'SUMMARY:no uid', 'END:VEVENT',
  )
  const result = importCalendar(text, { defaultZone: 'Europe/Paris', domain: 'dms.invalid' })
  t.same(result.events.map((e) => e.id), ['evt-nyc-7', 'party@example.com#TZID=Europe/Paris:20260312T090000', 'ics-line-16'])
  t.same(result.identities.get('evt-nyc-7'), { uid: 'evt-nyc-7@dms.invalid', recurrenceId: null, sequence: 0, lastModifiedMs: null })
  t.same(result.identities.get('party@example.com#TZID=Europe/Paris:20260312T090000'), { uid: 'party@example.com', recurrenceId: 'TZID=Europe/Paris:20260312T090000', sequence: 4, lastModifiedMs: null })
  t.equal(result.identities.has('ics-line-16'), false, 'a VEVENT without UID has no identity (it can only be added)')
})

t.test('a bad SEQUENCE or LAST-MODIFIED, or an oversized UID, is an error naming its line', async (t) => {
  const one = (...lines: string[]) => calendar('BEGIN:VEVENT', ...lines, ...timed, 'END:VEVENT')
  t.throws(() => importCalendar(one('UID:a', 'SEQUENCE:-1'), { defaultZone: 'UTC' }), /ics: line 5: SEQUENCE: expected a whole number/)
  t.throws(() => importCalendar(one('UID:a', 'LAST-MODIFIED;VALUE=DATE:20260101'), { defaultZone: 'UTC' }), /ics: line 5: LAST-MODIFIED: expected a date-time/)
  t.throws(() => importCalendar(one(`UID:${'u'.repeat(201)}`), { defaultZone: 'UTC' }), /ics: line 3: VEVENT\.id: must have 1 to 200 characters/)
})
