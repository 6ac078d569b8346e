import { expandOccurrences, parseRecurrence } from '../calendar/recurrence/index.js'
import { toFloatingMs } from '../calendar/time/local-date-time.js'
import type { IcsComponent } from './ics-document.js'
import { propertiesNamed, propertyError, rawValue, readDateValue, readDateValues, readUtcOffsetMs, requiredProperty } from './ics-values.js'
import type { ZoneTransition } from './zone-transitions.js'

const DAY_MS = 86_400_000
/** Observance rules are yearly; two years back always reaches the onset in force at the span's start. */
const LOOK_BACK_MS = 2 * 366 * DAY_MS

/**
 * The UTC offsets a file's own VTIMEZONE defines over a span: what the file means by its TZID when
 * the name is not one this runtime knows. Observance onsets (DTSTART, RRULE, RDATE) are wall
 * times in the offset before the change, as RFC 5545 3.6.5 says.
 */
export class VtimezoneTimeline {
  readonly transitions: readonly ZoneTransition[]
  readonly #initialOffsetMs: number

  private constructor(transitions: ZoneTransition[], initialOffsetMs: number) {
    this.transitions = transitions
    this.#initialOffsetMs = initialOffsetMs
  }

  static of(vtimezone: IcsComponent, fromMs: number, toMs: number): VtimezoneTimeline {
    const onsets: ZoneTransition[] = []
    const observances = vtimezone.components.filter((c) => c.name === 'STANDARD' || c.name === 'DAYLIGHT')
    if (observances.length === 0) {
      throw propertyError(requiredProperty(vtimezone, 'TZID'), 'the VTIMEZONE has no STANDARD or DAYLIGHT observance')
    }
    for (const observance of observances) {
      const dtstartProperty = requiredProperty(observance, 'DTSTART')
      const dtstart = readDateValue(dtstartProperty)
      if (dtstart.kind !== 'local' || dtstart.tzid !== null) {
        throw propertyError(dtstartProperty, 'an observance starts at a local date-time without TZID')
      }
      const offsetFromMs = readUtcOffsetMs(requiredProperty(observance, 'TZOFFSETFROM'))
      const offsetToMs = readUtcOffsetMs(requiredProperty(observance, 'TZOFFSETTO'))
      const walls = new Set<number>([toFloatingMs(dtstart.local)])
      for (const p of propertiesNamed(observance, 'RDATE')) {
        for (const value of readDateValues(p)) {
          if (value.kind !== 'local') throw propertyError(p, 'observance RDATEs are local date-times')
          walls.add(toFloatingMs(value.local))
        }
      }
      const rules = propertiesNamed(observance, 'RRULE')
      if (rules.length > 0) {
        const lines = rules.map((p) => `RRULE:${rawValue(p)}`)
        // Read in UTC so that instants are the wall clocks themselves.
        const recurrence = parseRecurrence(
          { dtstart: dtstart.local, zone: 'UTC', lines },
          { dtstart: 'DTSTART', zone: 'TZID', line: (i) => `ics: line ${rules[i]?.line ?? observance.line}`, exception: () => 'ics' },
        )
        const from = Math.max(toFloatingMs(dtstart.local), fromMs - LOOK_BACK_MS)
        for (const o of expandOccurrences(recurrence, from, toMs + DAY_MS)) walls.add(o.startMs)
      }
      for (const wall of walls) onsets.push({ atMs: wall - offsetFromMs, offsetFromMs, offsetToMs })
    }
    onsets.sort((a, b) => a.atMs - b.atMs)
    const first = onsets[0]
    return new VtimezoneTimeline(onsets, first === undefined ? 0 : first.offsetFromMs)
  }

  /** The offset in force at an instant. */
  offsetAt(ms: number): number {
    let lo = 0
    let hi = this.transitions.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((this.transitions[mid]?.atMs ?? 0) <= ms) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? this.#initialOffsetMs : (this.transitions[lo - 1]?.offsetToMs ?? 0)
  }

  /** The instant of a wall-clock reading, with the project's gap and overlap policy (see wallClockToInstant). */
  instantOf(floating: number): number {
    const before = this.offsetAt(floating - DAY_MS)
    const after = this.offsetAt(floating + DAY_MS)
    const valid = [before, after].filter((offset) => this.offsetAt(floating - offset) === offset).map((offset) => floating - offset)
    return valid.length > 0 ? Math.min(...valid) : floating - before
  }
}
