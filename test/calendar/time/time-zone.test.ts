import t from 'tap'
import { CalendarInputError } from '../../../src/calendar/calendar-input-error.js'
import { parseLocalDateTime } from '../../../src/calendar/time/local-date-time.js'
import {
  formatInstantInZone,
  formatInstantUtc,
  instantToWallClock,
  parseInstantOrLocal,
  requireZone,
  tzdbVersion,
  wallClockToInstant,
} from '../../../src/calendar/time/time-zone.js'

// Every expected instant below was worked out by hand from the zone's published rules
// (offsets and transition dates), not by the code under test.
const instant = (zone: string, local: string): string =>
  formatInstantUtc(wallClockToInstant(parseLocalDateTime(local, 'test'), zone))

t.test('fixed odd offsets: Kolkata +05:30, Kathmandu +05:45', async (t) => {
  t.equal(instant('Asia/Kolkata', '2026-03-10T09:00'), '2026-03-10T03:30:00.000Z')
  t.equal(instant('Asia/Kathmandu', '2026-03-10T09:00'), '2026-03-10T03:15:00.000Z')
  t.equal(formatInstantInZone(Date.parse('2026-03-10T03:15:00Z'), 'Asia/Kathmandu'), '2026-03-10T09:00:00.000+05:45')
  // Midnight local in Kathmandu is still the previous UTC day.
  t.equal(instant('Asia/Kathmandu', '2026-07-01T00:00'), '2026-06-30T18:15:00.000Z')
})

t.test('America/New_York: 2026 DST starts Sun Mar 8 02:00 EST, ends Sun Nov 1 02:00 EDT', async (t) => {
  t.equal(instant('America/New_York', '2026-03-07T09:00'), '2026-03-07T14:00:00.000Z', 'EST, UTC-5')
  t.equal(instant('America/New_York', '2026-03-09T09:00'), '2026-03-09T13:00:00.000Z', 'EDT, UTC-4')
  // 02:30 does not exist; it moves forward by the 1 h gap to 03:30 EDT = 07:30Z.
  t.equal(instant('America/New_York', '2026-03-08T02:30'), '2026-03-08T07:30:00.000Z', 'gap moves forward')
  t.equal(instant('America/New_York', '2026-03-08T02:00'), '2026-03-08T07:00:00.000Z', 'gap start')
  t.equal(instant('America/New_York', '2026-03-08T03:00'), '2026-03-08T07:00:00.000Z', 'first valid time after the gap')
  // 01:30 happens twice (EDT 05:30Z, then EST 06:30Z); the earlier is chosen.
  t.equal(instant('America/New_York', '2026-11-01T01:30'), '2026-11-01T05:30:00.000Z', 'ambiguous takes earlier')
  t.equal(instant('America/New_York', '2026-11-01T02:00'), '2026-11-01T07:00:00.000Z', 'after the repeat')
  t.equal(formatInstantInZone(Date.parse('2026-11-01T06:30:00Z'), 'America/New_York'), '2026-11-01T01:30:00.000-05:00')
  t.equal(formatInstantInZone(Date.parse('2026-11-01T05:30:00Z'), 'America/New_York'), '2026-11-01T01:30:00.000-04:00')
})

t.test('Europe/London: 2026 BST starts Sun Mar 29 01:00 GMT, ends Sun Oct 25 02:00 BST', async (t) => {
  t.equal(instant('Europe/London', '2026-03-28T09:00'), '2026-03-28T09:00:00.000Z')
  t.equal(instant('Europe/London', '2026-03-30T09:00'), '2026-03-30T08:00:00.000Z')
  t.equal(instant('Europe/London', '2026-03-29T01:30'), '2026-03-29T01:30:00.000Z', '01:30 is in the gap: 02:30 BST')
  t.equal(instant('Europe/London', '2026-10-25T01:30'), '2026-10-25T00:30:00.000Z', 'ambiguous: BST reading')
  t.equal(formatInstantInZone(Date.parse('2026-10-25T01:30:00Z'), 'Europe/London'), '2026-10-25T01:30:00.000+00:00')
})

t.test('Australia/Lord_Howe: 30-minute DST (+10:30 standard, +11:00 summer)', async (t) => {
  // 2026: DST ends Sun Apr 5 at 02:00 (back to 01:30), starts Sun Oct 4 at 02:00 (on to 02:30).
  t.equal(instant('Australia/Lord_Howe', '2026-01-15T12:00'), '2026-01-15T01:00:00.000Z', 'summer +11:00')
  t.equal(instant('Australia/Lord_Howe', '2026-07-15T12:00'), '2026-07-15T01:30:00.000Z', 'winter +10:30')
  t.equal(instant('Australia/Lord_Howe', '2026-10-04T02:15'), '2026-10-03T15:45:00.000Z', 'gap of 30 min: 02:45 +11:00')
  t.equal(instant('Australia/Lord_Howe', '2026-04-05T01:45'), '2026-04-04T14:45:00.000Z', 'ambiguous: earlier (+11:00)')
  t.equal(formatInstantInZone(Date.parse('2026-04-04T15:15:00Z'), 'Australia/Lord_Howe'), '2026-04-05T01:45:00.000+10:30')
})

t.test('Asia/Tehran: DST until 2022, none since', async (t) => {
  // 2022 summer: +04:30; 2023 summer: +03:30 all year.
  t.equal(instant('Asia/Tehran', '2022-06-15T12:00'), '2022-06-15T07:30:00.000Z')
  t.equal(instant('Asia/Tehran', '2023-06-15T12:00'), '2023-06-15T08:30:00.000Z')
  t.equal(instant('Asia/Tehran', '2022-01-15T12:00'), '2022-01-15T08:30:00.000Z')
  t.equal(instant('Asia/Tehran', '2024-03-22T00:30'), '2024-03-21T21:00:00.000Z', 'the old DST start time exists now')
})

t.test('instantToWallClock inverts wallClockToInstant outside gaps', async (t) => {
  const ms = Date.parse('2026-06-01T13:45:10Z')
  t.same(instantToWallClock(ms, 'America/New_York'), { year: 2026, month: 6, day: 1, hour: 9, minute: 45, second: 10 })
  t.equal(wallClockToInstant(instantToWallClock(ms, 'Asia/Kathmandu'), 'Asia/Kathmandu'), ms)
})

t.test('parseInstantOrLocal', async (t) => {
  const ny = 'America/New_York'
  t.equal(parseInstantOrLocal('2026-03-10T14:00:00Z', ny, 'f'), Date.parse('2026-03-10T14:00:00Z'))
  t.equal(parseInstantOrLocal('2026-03-10T14:00:00.250Z', ny, 'f'), Date.parse('2026-03-10T14:00:00.250Z'))
  t.equal(parseInstantOrLocal('2026-03-10T09:00+05:45', ny, 'f'), Date.parse('2026-03-10T03:15:00Z'))
  t.equal(parseInstantOrLocal('2026-03-10T09:00', ny, 'f'), Date.parse('2026-03-10T13:00:00Z'), 'local EDT')
  t.equal(parseInstantOrLocal('2026-03-10', ny, 'f'), Date.parse('2026-03-10T04:00:00Z'), 'local midnight')
  for (const bad of ['2026-03-10T09:00+0545', '2026-13-10T09:00Z', '2026-03-10T09:00+24:00', 'tomorrow', '2026-02-29']) {
    t.throws(() => parseInstantOrLocal(bad, ny, '--from'), CalendarInputError, bad)
    try {
      parseInstantOrLocal(bad, ny, '--from')
    } catch (err) {
      t.match((err as Error).message, /^--from: /, `${bad}: message names the input`)
      t.match((err as Error).message, bad.slice(0, 7), `${bad}: message quotes the text`)
    }
  }
})

t.test('requireZone', async (t) => {
  t.equal(requireZone('Asia/Kathmandu', 'tz'), 'Asia/Kathmandu')
  t.equal(requireZone('UTC', 'tz'), 'UTC')
  for (const bad of ['Mars/Base', '', '+05:00', 'EST5EDT6']) {
    t.throws(() => requireZone(bad, '--tz'), { name: 'CalendarInputError', field: '--tz', message: `--tz: unknown time zone "${bad}"` })
  }
})

t.test('tzdbVersion reports the runtime tz database', async (t) => {
  t.match(tzdbVersion(), /^\d{4}[a-z]$/)
})
