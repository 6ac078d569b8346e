import fc from 'fast-check'
import { IANAZone } from 'luxon'
import t from 'tap'
import { fromFloatingMs, toFloatingMs } from '../../../src/calendar/time/local-date-time.js'
import { instantToWallClock, wallClockToInstant, zoneOffsetMs } from '../../../src/calendar/time/time-zone.js'

const ZONES = [
  'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Tehran', 'Asia/Kathmandu',
  'Africa/Casablanca', 'Pacific/Chatham', 'America/Santiago', 'Pacific/Apia', 'UTC',
]
const zone = fc.constantFrom(...ZONES)
// 1950..2060 covers past rule changes and projected future transitions.
const instant = fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2060, 0, 1) })

t.test('memoised offsets equal a direct ICU lookup', async (t) => {
  fc.assert(
    fc.property(zone, instant, (z, ms) => zoneOffsetMs(ms, z) === Math.round(IANAZone.create(z).offset(ms) * 60) * 1000),
    { numRuns: 3000, seed: 42 },
  )
  t.pass('3000 instants agree')
})

t.test('wall clock to instant follows the policy', async (t) => {
  fc.assert(
    fc.property(zone, instant, (z, ms) => {
      const local = fromFloatingMs(Math.floor(ms / 60_000) * 60_000) // a wall-clock reading to resolve
      const result = wallClockToInstant(local, z)
      const shown = toFloatingMs(instantToWallClock(result, z))
      const wanted = toFloatingMs(local)
      if (shown === wanted) {
        // Existing reading: no earlier instant within the day shows the same wall clock.
        for (let back = 15 * 60_000; back <= 3 * 3_600_000; back += 15 * 60_000) {
          if (toFloatingMs(instantToWallClock(result - back, z)) === wanted) return false
        }
        return true
      }
      // Nonexistent reading: shown later by exactly the jump that skipped it.
      const jump = zoneOffsetMs(result, z) - zoneOffsetMs(result - 3 * 3_600_000, z)
      return jump > 0 && shown - wanted === jump
    }),
    { numRuns: 3000, seed: 7 },
  )
  t.pass('3000 readings resolved by policy')
})
