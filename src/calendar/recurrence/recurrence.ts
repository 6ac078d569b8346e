import { CalendarInputError } from '../calendar-input-error.js'
import {
  formatLocalDateTime,
  fromFloatingMs,
  makeLocalDateTime,
  toFloatingMs,
  type LocalDateTime,
} from '../time/local-date-time.js'
import { floatingToInstant, instantToWallClock, requireZone, wallClockToInstant, zoneOffsetMs } from '../time/time-zone.js'
import { parseContentLine, type ContentLine, type DateEntry } from './content-line.js'
import { FloatingRule } from './floating-rule.js'
import { DEFAULT_FIELD_NAMES, type RecurrenceFieldNames, type RecurrenceSpec } from './recurrence-spec.js'

const DAY_MS = 86_400_000
/** Wall clocks are never more than a day away from UTC, and DST gaps are hours long. */
const WINDOW_MARGIN_MS = 2 * DAY_MS
export const DEFAULT_MAX_OCCURRENCES = 100_000
const MAX_DURATION_MINUTES = 366 * 24 * 60

export interface Occurrence {
  readonly startMs: number
  /** The wall clock in the series' zone at startMs (a time in a DST gap shows moved forward). */
  readonly local: LocalDateTime
  /** The series' nominal wall-clock start: what exceptions and EXDATE refer to. */
  readonly originalStart: LocalDateTime
  /** null: the series' duration; set for moved occurrences that carry their own. */
  readonly durationMinutes: number | null
}

interface MovedOccurrence {
  readonly originalStart: LocalDateTime
  readonly start: LocalDateTime
  readonly startMs: number
  readonly durationMinutes: number | null
}

/** What EXDATE lines remove; each kind matches occurrences in its own way. */
interface Exclusions {
  /** Wall-clock times in the series' zone (floating ms). */
  readonly local: ReadonlySet<number>
  /** Whole local days (floating day numbers) from VALUE=DATE. */
  readonly days: ReadonlySet<number>
  /** Instants from UTC or TZID values. */
  readonly instants: ReadonlySet<number>
}

/** A validated series, ready to expand; build it with parseRecurrence. */
export class Recurrence {
  readonly spec: RecurrenceSpec
  readonly #zone: string
  readonly #dtstart: number
  readonly #rules: readonly FloatingRule[]
  readonly #exrules: readonly FloatingRule[]
  /** RDATEs that are wall-clock times in the series' zone, ascending floating ms. */
  readonly #localRdates: readonly number[]
  /** RDATEs that are instants, ascending. */
  readonly #instantRdates: readonly number[]
  readonly #exclusions: Exclusions
  readonly #cancelled: ReadonlySet<number>
  readonly #moved: ReadonlyMap<number, MovedOccurrence>

  private constructor(spec: RecurrenceSpec, names: RecurrenceFieldNames) {
    this.spec = spec
    this.#zone = requireZone(spec.zone, names.zone)
    const dtstart = requireLocalDateTime(spec.dtstart, names.dtstart)
    this.#dtstart = toFloatingMs(dtstart)
    const lines = spec.lines.map((text, index) => parseContentLine(text, names.line(index)))
    const rules: FloatingRule[] = []
    const exrules: FloatingRule[] = []
    const localRdates: number[] = []
    const instantRdates: number[] = []
    const exLocal = new Set<number>()
    const exDays = new Set<number>()
    const exInstants = new Set<number>()
    lines.forEach((line: ContentLine, index) => {
      switch (line.name) {
        case 'RRULE': {
          const rule = new FloatingRule(line.rule, dtstart, this.#zone)
          if (rule.isEmpty()) {
            throw new CalendarInputError(
              names.line(index),
              `${names.line(index)}: RRULE: the rule never produces an occurrence`,
            )
          }
          rules.push(rule)
          break
        }
        case 'EXRULE':
          exrules.push(new FloatingRule(line.rule, dtstart, this.#zone))
          break
        case 'RDATE':
          for (const entry of line.dates) {
            const resolved = this.#resolve(entry, dtstart)
            if (resolved.kind === 'local') localRdates.push(resolved.floating)
            else instantRdates.push(resolved.ms)
          }
          break
        case 'EXDATE':
          for (const entry of line.dates) {
            if (entry.kind === 'date') exDays.add(dayNumber(toFloatingMs(entry.date)))
            else if (entry.kind === 'local') exLocal.add(toFloatingMs(entry.local))
            else exInstants.add(this.#resolveInstant(entry))
          }
          break
      }
    })
    this.#rules = rules
    this.#exrules = exrules
    this.#localRdates = [...new Set(localRdates)].sort((a, b) => a - b)
    this.#instantRdates = [...new Set(instantRdates)].sort((a, b) => a - b)
    this.#exclusions = { local: exLocal, days: exDays, instants: exInstants }

    const cancelled = new Set<number>()
    const moved = new Map<number, MovedOccurrence>()
    ;(spec.exceptions ?? []).forEach((exception, index) => {
      const field = names.exception(index)
      const originalStart = requireLocalDateTime(exception.originalStart, `${field}.originalStart`)
      const original = toFloatingMs(originalStart)
      if (cancelled.has(original) || moved.has(original)) {
        throw new CalendarInputError(field, `${field}: a second exception for ${formatLocalDateTime(originalStart)}`)
      }
      if (!this.hasOccurrenceAt(originalStart)) {
        throw new CalendarInputError(
          field,
          `${field}: ${formatLocalDateTime(originalStart)} is not an occurrence of the series`,
        )
      }
      if (exception.kind === 'cancelled') {
        cancelled.add(original)
        return
      }
      const start = requireLocalDateTime(exception.start, `${field}.start`)
      const duration = exception.durationMinutes
      if (duration !== undefined && (!Number.isInteger(duration) || duration < 1 || duration > MAX_DURATION_MINUTES)) {
        throw new CalendarInputError(
          `${field}.durationMinutes`,
          `${field}.durationMinutes: ${String(duration)} is not a whole number of minutes in 1..${MAX_DURATION_MINUTES}`,
        )
      }
      moved.set(original, {
        originalStart,
        start,
        startMs: wallClockToInstant(start, this.#zone),
        durationMinutes: duration ?? null,
      })
    })
    this.#cancelled = cancelled
    this.#moved = moved
  }

  static parse(spec: RecurrenceSpec, names: RecurrenceFieldNames): Recurrence {
    return new Recurrence(spec, names)
  }

  /**
   * Whether the series (DTSTART, RRULEs and RDATEs, less EXRULEs and EXDATEs) has an occurrence
   * whose nominal start is `local`; per-occurrence exceptions do not change the answer.
   */
  hasOccurrenceAt(local: LocalDateTime): boolean {
    const floating = toFloatingMs(local)
    const instant = floatingToInstant(floating, this.#zone)
    const generated =
      floating === this.#dtstart ||
      this.#localRdates.includes(floating) ||
      this.#instantRdates.some((ms) => ms + zoneOffsetMs(ms, this.#zone) === floating) ||
      this.#rules.some((rule) => rule.between(floating, floating).length > 0)
    return generated && !this.#excluded(floating, instant, new Set(this.#exrulesBetween(floating, floating)))
  }

  /** See expandOccurrences. */
  expand(fromMs: number, toMs: number, maxCount: number): Occurrence[] {
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs > toMs) {
      throw new CalendarInputError('window', `window: [${fromMs}, ${toMs}) is not a finite range with from <= to`)
    }
    const fromF = fromMs - WINDOW_MARGIN_MS
    const toF = toMs + WINDOW_MARGIN_MS
    // Candidates by nominal floating start; the value is the instant when it is fixed (UTC RDATE).
    const candidates = new Map<number, number | null>()
    if (this.#dtstart >= fromF && this.#dtstart <= toF) candidates.set(this.#dtstart, null)
    for (const rule of this.#rules) for (const f of rule.between(fromF, toF)) candidates.set(f, null)
    for (const f of this.#localRdates) if (f >= fromF && f <= toF) candidates.set(f, null)
    for (const ms of this.#instantRdates) {
      if (ms >= fromMs && ms < toMs) candidates.set(ms + zoneOffsetMs(ms, this.#zone), ms)
    }
    const exruled = new Set(this.#exrulesBetween(fromF, toF))

    const byInstant = new Map<number, Occurrence>()
    for (const [floating, fixed] of candidates) {
      const startMs = fixed ?? floatingToInstant(floating, this.#zone)
      if (startMs < fromMs || startMs >= toMs || byInstant.has(startMs)) continue
      if (this.#excluded(floating, startMs, exruled) || this.#cancelled.has(floating) || this.#moved.has(floating)) continue
      byInstant.set(startMs, {
        startMs,
        local: instantToWallClock(startMs, this.#zone),
        originalStart: fromFloatingMs(floating),
        durationMinutes: null,
      })
    }
    const occurrences = [...byInstant.values()]
    for (const moved of this.#moved.values()) {
      if (moved.startMs >= fromMs && moved.startMs < toMs) {
        occurrences.push({
          startMs: moved.startMs,
          local: instantToWallClock(moved.startMs, this.#zone),
          originalStart: moved.originalStart,
          durationMinutes: moved.durationMinutes,
        })
      }
    }
    if (occurrences.length > maxCount) {
      throw new CalendarInputError(
        'window',
        `window: more than ${maxCount} occurrences between ${new Date(fromMs).toISOString()} and ${new Date(toMs).toISOString()}; ask for a shorter window`,
      )
    }
    return occurrences.sort(
      (a, b) => a.startMs - b.startMs || toFloatingMs(a.originalStart) - toFloatingMs(b.originalStart),
    )
  }

  #excluded(floating: number, instant: number, exruled: ReadonlySet<number>): boolean {
    const ex = this.#exclusions
    return (
      ex.local.has(floating) || ex.days.has(dayNumber(floating)) || ex.instants.has(instant) || exruled.has(floating)
    )
  }

  #exrulesBetween(fromF: number, toF: number): number[] {
    return this.#exrules.flatMap((rule) => rule.between(fromF, toF))
  }

  /** An RDATE as a wall-clock time in the series' zone or as an instant; a date takes DTSTART's time of day. */
  #resolve(entry: DateEntry, dtstart: LocalDateTime): { kind: 'local'; floating: number } | { kind: 'instant'; ms: number } {
    if (entry.kind === 'date') {
      const { hour, minute, second } = dtstart
      return { kind: 'local', floating: toFloatingMs({ ...entry.date, hour, minute, second }) }
    }
    if (entry.kind === 'local') return { kind: 'local', floating: toFloatingMs(entry.local) }
    return { kind: 'instant', ms: this.#resolveInstant(entry) }
  }

  #resolveInstant(entry: DateEntry & { kind: 'utc' | 'zoned' }): number {
    return entry.kind === 'utc' ? toFloatingMs(entry.local) : wallClockToInstant(entry.local, entry.zone)
  }
}

function dayNumber(floating: number): number {
  return Math.floor(floating / DAY_MS)
}

/** A LocalDateTime from a caller is re-checked: objects can hold Feb 30 or 25:00. */
function requireLocalDateTime(t: LocalDateTime, field: string): LocalDateTime {
  if (typeof t !== 'object' || t === null) throw new CalendarInputError(field, `${field}: missing local date-time`)
  return makeLocalDateTime(t, field, formatLocalDateTime(t))
}

/**
 * Validates a series. Errors are CalendarInputError naming the part (`names` says how: the
 * defaults are 'dtstart', 'zone', 'lines[i]', 'exceptions[i]').
 */
export function parseRecurrence(spec: RecurrenceSpec, names: RecurrenceFieldNames = DEFAULT_FIELD_NAMES): Recurrence {
  return Recurrence.parse(spec, names)
}

/**
 * The occurrences whose start instant lies in [fromMs, toMs), ascending by start. More than
 * `maxCount` of them is an error (CalendarInputError on field 'window'), never a silent truncation.
 */
export function expandOccurrences(
  rec: Recurrence,
  fromMs: number,
  toMs: number,
  maxCount: number = DEFAULT_MAX_OCCURRENCES,
): Occurrence[] {
  return rec.expand(fromMs, toMs, maxCount)
}
