import { IANAZone } from 'luxon'
import { CalendarInputError } from '../calendar/calendar-input-error.js'
import { toFloatingMs } from '../calendar/time/local-date-time.js'
import { zoneOffsetMs } from '../calendar/time/time-zone.js'
import type { IcsComponent } from './ics-document.js'
import { VtimezoneTimeline } from './vtimezone-timeline.js'
import { ianaZoneForWindowsName, PRIMARY_IANA_ZONES } from './windows-zones.js'

/**
 * What a TZID means: an IANA zone (the event keeps wall time + zone), or, when no zone of the tz
 * database matches the file's own definition, that definition, so instants can still be computed.
 */
export type ResolvedZone =
  | { readonly kind: 'iana'; readonly zone: string; readonly note: string | null }
  | { readonly kind: 'vtimezone'; readonly timeline: VtimezoneTimeline; readonly note: string }

const DAY_MS = 86_400_000
/** Samples between transitions catch a zone that changes where the file's definition does not. */
const SAMPLE_STEP_MS = 15 * DAY_MS

let allZones: readonly string[] | undefined

/**
 * Resolves a TZID: an IANA name as is (also behind a path prefix such as
 * '/mozilla.org/20050126_1/America/New_York'), a Windows name through the CLDR table, else the
 * file's VTIMEZONE matched by its offsets over [fromYear, toYear] against every IANA zone. Zones
 * that agree over the whole span give the same instants there; the main zone of a region, or one
 * whose city the TZID names, is chosen among them.
 */
export function resolveTzid(
  tzid: string,
  vtimezone: IcsComponent | undefined,
  fromYear: number,
  toYear: number,
  line: number,
): ResolvedZone {
  if (isIanaZone(tzid)) return { kind: 'iana', zone: tzid, note: null }
  const segments = tzid.split('/').filter((s) => s.length > 0)
  for (const count of [3, 2]) {
    const tail = segments.slice(-count).join('/')
    if (segments.length > count && isIanaZone(tail)) return { kind: 'iana', zone: tail, note: `TZID "${tzid}" read as ${tail}` }
  }
  const windows = ianaZoneForWindowsName(tzid)
  if (windows !== null) return { kind: 'iana', zone: windows, note: `TZID "${tzid}" (a Windows zone name) read as ${windows}` }
  if (vtimezone === undefined) {
    throw new CalendarInputError('ics', `ics: line ${line}: TZID "${tzid}" is neither a known zone name nor defined by a VTIMEZONE in the file`)
  }
  const fromMs = toFloatingMs({ year: fromYear, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
  const toMs = toFloatingMs({ year: toYear + 1, month: 1, day: 1, hour: 0, minute: 0, second: 0 })
  const timeline = VtimezoneTimeline.of(vtimezone, fromMs, toMs)
  const matches = matchingZones(timeline, fromMs, toMs)
  const chosen = preferredZone(matches, tzid)
  if (chosen === null) {
    return {
      kind: 'vtimezone',
      timeline,
      note: `TZID "${tzid}" matches no IANA zone over ${fromYear}-${toYear}; its times were imported as fixed instants (recurring events follow UTC, not the zone's DST changes)`,
    }
  }
  const others = matches.length - 1
  return {
    kind: 'iana',
    zone: chosen,
    note: `TZID "${tzid}" read as ${chosen}, whose offsets equal the file's VTIMEZONE over ${fromYear}-${toYear}${others > 0 ? ` (as do ${others} other zones)` : ''}`,
  }
}

function isIanaZone(name: string): boolean {
  return name.length > 0 && !/^[+-]/.test(name) && IANAZone.isValidZone(name)
}

function matchingZones(timeline: VtimezoneTimeline, fromMs: number, toMs: number): string[] {
  const samples = new Set<number>()
  for (let ms = fromMs; ms < toMs; ms += SAMPLE_STEP_MS) samples.add(ms)
  for (const t of timeline.transitions) {
    if (t.atMs >= fromMs && t.atMs < toMs) {
      samples.add(t.atMs - 1000)
      samples.add(t.atMs)
    }
  }
  const checks = [...samples].map((ms) => ({ ms, offset: timeline.offsetAt(ms) }))
  const [firstCheck] = checks
  allZones ??= Intl.supportedValuesOf('timeZone')
  return allZones.filter(
    (zone) =>
      // One cheap look first: most zones differ at the span's start already.
      (firstCheck === undefined || zoneOffsetMs(firstCheck.ms, zone) === firstCheck.offset) &&
      checks.every(({ ms, offset }) => zoneOffsetMs(ms, zone) === offset),
  )
}

function preferredZone(zones: readonly string[], tzid: string): string | null {
  const words = new Set(tzid.toLowerCase().split(/[^a-z]+/).filter((w) => w.length > 2))
  const named = (zone: string): boolean => zone.toLowerCase().split(/[^a-z]+/).some((w) => words.has(w))
  const score = (zone: string): number => (named(zone) ? 2 : 0) + (PRIMARY_IANA_ZONES.has(zone) ? 1 : 0)
  let best: string | null = null
  for (const zone of [...zones].sort()) if (best === null || score(zone) > score(best)) best = zone
  return best
}
