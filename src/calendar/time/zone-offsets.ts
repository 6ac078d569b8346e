import { IANAZone } from 'luxon'

const DAY_MS = 86_400_000
/** Past this many remembered days a zone's memo starts afresh, so memory stays bounded. */
const MAX_REMEMBERED_DAYS = 200_000

/**
 * UTC offsets of one zone, memoised. Asking ICU (through luxon) costs microseconds per call and
 * expansion asks several times per occurrence, so the offset at each UTC midnight is remembered:
 * when a day starts and ends with the same offset it holds all day (zones change offset at most
 * once a day), and only days with a transition are asked about instant by instant.
 */
class ZoneOffsets {
  readonly #zone: IANAZone
  readonly #atMidnight = new Map<number, number>()

  constructor(zone: string) {
    this.#zone = IANAZone.create(zone)
  }

  offsetMs(ms: number): number {
    const day = Math.floor(ms / DAY_MS)
    const start = this.#midnight(day)
    return start === this.#midnight(day + 1) ? start : this.#exact(ms)
  }

  #midnight(day: number): number {
    let offset = this.#atMidnight.get(day)
    if (offset === undefined) {
      if (this.#atMidnight.size >= MAX_REMEMBERED_DAYS) this.#atMidnight.clear()
      offset = this.#exact(day * DAY_MS)
      this.#atMidnight.set(day, offset)
    }
    return offset
  }

  /** Rounded to whole seconds: local mean times before ~1900 have fractional-minute offsets. */
  #exact(ms: number): number {
    return Math.round(this.#zone.offset(ms) * 60) * 1000
  }
}

const zones = new Map<string, ZoneOffsets>()

/** The UTC offset of a valid IANA zone at an instant, in milliseconds. */
export function zoneOffsetMs(ms: number, zone: string): number {
  let offsets = zones.get(zone)
  if (offsets === undefined) {
    offsets = new ZoneOffsets(zone)
    zones.set(zone, offsets)
  }
  return offsets.offsetMs(ms)
}
