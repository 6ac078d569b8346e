import t from 'tap'
import { dateOfDayNumber, dayNumber } from '../../../src/calendar/availability/local-date.js'
import { instantOfLocal, instantOfLocalMidnight } from '../../../src/calendar/availability/local-day-clock.js'
import { wallClockToInstant } from '../../../src/calendar/time/time-zone.js'

// The fast path must never disagree with the time module's conversion, which defines the DST
// policy. Checked on every day of several years, at the times where transitions happen, in zones
// with unusual rules: 30-minute DST (Lord_Howe), DST dropped in 2022 (Tehran), transitions at
// midnight (Santiago, Havana), a 45-minute offset (Kathmandu), half-hour offset with DST (St Johns),
// Ramadan suspensions (Casablanca).
const zones = [
  'America/New_York',
  'Europe/London',
  'Australia/Lord_Howe',
  'Asia/Tehran',
  'America/Santiago',
  'America/Havana',
  'Asia/Kathmandu',
  'America/St_Johns',
  'Africa/Casablanca',
]
const times: Array<[number, number]> = [
  [0, 0],
  [0, 30],
  [1, 0],
  [1, 30],
  [2, 0],
  [2, 30],
  [3, 0],
  [12, 0],
  [23, 30],
]

t.test('instantOfLocal equals wallClockToInstant on every day of 2021-2026 in unusual zones', async (t) => {
  const first = dayNumber({ year: 2021, month: 1, day: 1 })
  const last = dayNumber({ year: 2027, month: 1, day: 1 })
  for (const zone of zones) {
    const wrong: string[] = []
    for (let n = first; n < last; n++) {
      const date = dateOfDayNumber(n)
      for (const [hour, minute] of times) {
        const local = { ...date, hour, minute, second: 0 }
        if (instantOfLocal(local, zone) !== wallClockToInstant(local, zone)) wrong.push(JSON.stringify(local))
      }
      if (instantOfLocalMidnight(date, zone) !== wallClockToInstant({ ...date, hour: 0, minute: 0, second: 0 }, zone)) {
        wrong.push(`midnight ${JSON.stringify(date)}`)
      }
    }
    t.same(wrong, [], zone)
  }
})
