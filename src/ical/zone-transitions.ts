import { zoneOffsetMs } from '../calendar/time/time-zone.js'

/** A change of a zone's UTC offset: clocks showed `offsetFromMs` just before `atMs`, `offsetToMs` from it on. */
export interface ZoneTransition {
  readonly atMs: number
  readonly offsetFromMs: number
  readonly offsetToMs: number
}

const SECOND_MS = 1000
const DAY_MS = 86_400_000

/**
 * Every offset change of an IANA zone in [fromMs, toMs), ascending. The runtime's tz database is
 * only reachable through "offset at instant", so the range is walked a day at a time and each day
 * whose offset differs at both ends is bisected to the second (zones change at most once a day).
 */
export function zoneTransitions(zone: string, fromMs: number, toMs: number): ZoneTransition[] {
  const transitions: ZoneTransition[] = []
  // Whole seconds at both ends keep every bisection step a whole number of seconds.
  let dayStart = Math.floor(fromMs / SECOND_MS) * SECOND_MS
  let offset = zoneOffsetMs(dayStart, zone)
  while (dayStart < toMs) {
    const dayEnd = Math.min(dayStart + DAY_MS, toMs)
    const endOffset = zoneOffsetMs(dayEnd, zone)
    if (endOffset !== offset) {
      let before = dayStart
      let after = dayEnd
      while (after - before > SECOND_MS) {
        const mid = before + Math.floor((after - before) / 2 / SECOND_MS) * SECOND_MS
        if (zoneOffsetMs(mid, zone) === offset) before = mid
        else after = mid
      }
      if (after < toMs) transitions.push({ atMs: after, offsetFromMs: offset, offsetToMs: endOffset })
      offset = endOffset
    }
    dayStart = dayEnd
  }
  return transitions
}
