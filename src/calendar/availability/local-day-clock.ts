import type { LocalDateTime } from '../time/local-date-time.js'
import { wallClockToInstant } from '../time/time-zone.js'
import { dateOfDayNumber, dayNumber, type LocalDate } from './local-date.js'

const DAY_MS = 86_400_000
/** Bounds the memo; when full it starts over (entries are cheap to recompute). */
const MAX_DAYS_PER_ZONE = 100_000

/** zone → local day number (see dayNumber) → instant of that local midnight. */
const midnights = new Map<string, Map<number, number>>()

function midnight(day: number, zone: string): number {
  let perZone = midnights.get(zone)
  if (perZone === undefined) {
    perZone = new Map()
    midnights.set(zone, perZone)
  }
  let ms = perZone.get(day)
  if (ms === undefined) {
    ms = wallClockToInstant({ ...dateOfDayNumber(day), hour: 0, minute: 0, second: 0 }, zone)
    if (perZone.size >= MAX_DAYS_PER_ZONE) perZone.clear()
    perZone.set(day, ms)
  }
  return ms
}

/**
 * The instant of a wall-clock reading in `zone`: wallClockToInstant, made cheap for the
 * thousands of readings a free/busy query converts. Each local day's midnight is converted once
 * (and remembered); when the day lasts exactly 24 hours, its offset never changes during the
 * day, so a reading is that midnight plus its time of day. Days with a change (DST, a zone
 * changing its rules) go through wallClockToInstant for every reading, so the gap and
 * fall-back policy stays the time module's.
 */
export function instantOfLocal(t: LocalDateTime, zone: string): number {
  const day = dayNumber(t)
  const start = midnight(day, zone)
  if (midnight(day + 1, zone) - start !== DAY_MS) return wallClockToInstant(t, zone)
  return start + ((t.hour * 60 + t.minute) * 60 + t.second) * 1000
}

/** The instant of local midnight at the start of `date` (gap policy applies if midnight is skipped). */
export function instantOfLocalMidnight(date: LocalDate, zone: string): number {
  return midnight(dayNumber(date), zone)
}
