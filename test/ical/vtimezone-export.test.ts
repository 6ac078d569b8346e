import ICAL from 'ical.js'
import t from 'tap'
import { toFloatingMs } from '../../src/calendar/time/local-date-time.js'
import { wallClockToInstant } from '../../src/calendar/time/time-zone.js'
import { readIcsDocument } from '../../src/ical/ics-document.js'
import { jcalLocalDateTime } from '../../src/ical/jcal.js'
import { vtimezoneFor } from '../../src/ical/vtimezone-export.js'
import { VtimezoneTimeline } from '../../src/ical/vtimezone-timeline.js'
import { zoneTransitions } from '../../src/ical/zone-transitions.js'

// The generated VTIMEZONEs are checked by an independent reader, ical.js's own Timezone: the
// instant it gives for local noon and for the hours around every transition must equal the tz
// database's. Zones with unusual rules are included on purpose.
const ZONES = [
  'America/New_York', 'Europe/London', 'Europe/Berlin', 'Asia/Jerusalem', 'America/Santiago', 'Australia/Sydney',
  'Australia/Lord_Howe', 'Pacific/Chatham', 'Africa/Casablanca', 'America/St_Johns', 'Asia/Tokyo', 'Asia/Kolkata', 'America/Sao_Paulo',
]
/** Zones with no yearly pattern are exact only through the years scanned (TO_YEAR). */
const IRREGULAR = new Set(['Africa/Casablanca'])
const FROM_YEAR = 2025
const TO_YEAR = 2027
const HOUR_MS = 3_600_000

function icalTimezone(zone: string): ICAL.Timezone {
  const text = `BEGIN:VCALENDAR\r\n${ICAL.stringify(vtimezoneFor(zone, FROM_YEAR, TO_YEAR))}\r\nEND:VCALENDAR\r\n`
  const component = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vtimezone')
  if (component === null) throw new Error('no VTIMEZONE')
  return new ICAL.Timezone(component)
}

for (const zone of ZONES) {
  t.test(`${zone}: ical.js reads the exported VTIMEZONE to the tz database's instants, 2025-2035 (irregular zones: to 2027)`, async (t) => {
    const tz = icalTimezone(zone)
    const icalInstant = (ms: number): number => {
      const d = new Date(ms)
      const time = ICAL.Time.fromData(
        { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: 0, isDate: false },
        tz,
      )
      return time.toUnixTime() * 1000
    }
    const wall = (ms: number) => {
      const d = new Date(ms)
      return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: 0 }
    }
    const mismatches: string[] = []
    // Noon every day, past the scanned years too: the yearly rules must carry on (to 2035).
    const start = toFloatingMs({ year: FROM_YEAR, month: 1, day: 1, hour: 12, minute: 0, second: 0 })
    const end = toFloatingMs({ year: IRREGULAR.has(zone) ? TO_YEAR + 1 : 2036, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
    const checks: number[] = []
    for (let floating = start; floating < end; floating += 24 * HOUR_MS) checks.push(floating)
    // Whole hours 3 h either side of each transition, read as wall clocks (skipping the gap and the doubled hour, where policies differ).
    for (const transition of zoneTransitions(zone, start, end)) {
      for (let h = -3; h <= 3; h++) {
        const floating = Math.floor((transition.atMs + transition.offsetFromMs) / HOUR_MS) * HOUR_MS + h * HOUR_MS
        const instant = wallClockToInstant(wall(floating), zone)
        const unambiguous = [transition.offsetFromMs, transition.offsetToMs].filter((o) => {
          const candidate = floating - o
          return candidate < transition.atMs ? o === transition.offsetFromMs : o === transition.offsetToMs
        }).length === 1
        if (unambiguous && instant !== undefined) checks.push(floating)
      }
    }
    for (const floating of checks) {
      const expected = wallClockToInstant(wall(floating), zone)
      const actual = icalInstant(floating)
      if (actual !== expected) mismatches.push(`${jcalLocalDateTime(wall(floating))}: ical.js ${new Date(actual).toISOString()}, tz database ${new Date(expected).toISOString()}`)
    }
    t.same(mismatches.slice(0, 5), [], `${checks.length} wall clocks checked`)
  })
}

t.test('the importer reads the exported VTIMEZONE to the same offsets as the tz database', async (t) => {
  const zone = 'Australia/Lord_Howe' // half-hour DST
  const text = `BEGIN:VCALENDAR\r\n${ICAL.stringify(vtimezoneFor(zone, FROM_YEAR, TO_YEAR))}\r\nEND:VCALENDAR\r\n`
  const [calendar] = readIcsDocument(text, { maxChars: 1e6, maxComponents: 100 })
  const vtimezone = calendar?.components[0]
  if (vtimezone === undefined) throw new Error('no VTIMEZONE')
  const from = Date.parse('2025-01-01T00:00:00Z')
  const to = Date.parse('2030-01-01T00:00:00Z')
  const timeline = VtimezoneTimeline.of(vtimezone, from, to)
  t.same(
    timeline.transitions.filter((x) => x.atMs >= from && x.atMs < to),
    zoneTransitions(zone, from, to),
  )
})

t.test('a zone without a yearly pattern lists its transitions one by one; one without DST has a single observance', async (t) => {
  const casablanca = ICAL.stringify(vtimezoneFor('Africa/Casablanca', FROM_YEAR, TO_YEAR))
  t.notMatch(casablanca, /RRULE/, 'Morocco follows Ramadan, not a yearly rule')
  t.ok((casablanca.match(/BEGIN:(STANDARD|DAYLIGHT)/g) ?? []).length >= 7, 'an initial observance and two changes a year')
  const tokyo = ICAL.stringify(vtimezoneFor('Asia/Tokyo', FROM_YEAR, TO_YEAR))
  t.equal((tokyo.match(/BEGIN:STANDARD/g) ?? []).length, 1)
  t.match(tokyo, /TZOFFSETFROM:\+0900\r\nTZOFFSETTO:\+0900/)
  // Jerusalem springs forward on the Friday before the last Sunday of March, which is sometimes the 5th Friday.
  t.match(ICAL.stringify(vtimezoneFor('Asia/Jerusalem', FROM_YEAR, TO_YEAR)), /RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29/)
})
