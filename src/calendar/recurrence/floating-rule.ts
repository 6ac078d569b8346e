import rrulePackage from 'rrule'
import type { Options as RRuleOptions } from 'rrule'
import { toFloatingMs, type LocalDateTime } from '../time/local-date-time.js'
import { floatingToInstant } from '../time/time-zone.js'
import { pinImpliedParts, type Frequency, type RuleValue } from './rule-value.js'

// rrule ships CommonJS/UMD; under Node ESM only its default export is reliable.
const { RRule, Weekday } = rrulePackage

const SECOND_MS = 1000
const DAY_MS = 86_400_000
const WEEK_MS = 7 * DAY_MS
/** The Gregorian calendar repeats exactly every 400 years: 146097 days, 20871 weeks, 4800 months. */
const CYCLE_YEARS = 400
const CYCLE_MS = 146_097 * DAY_MS
const LAST_YEAR = 9999
const RRULE_FREQ: Record<Frequency, number> = {
  YEARLY: RRule.YEARLY,
  MONTHLY: RRule.MONTHLY,
  WEEKLY: RRule.WEEKLY,
  DAILY: RRule.DAILY,
}

/**
 * One RRULE or EXRULE expanded in the floating frame: wall-clock readings encoded as if they were
 * UTC (see toFloatingMs) and handed to `rrule` without a tzid, so rrule's own zone handling, which
 * mishandles DST, is never used. Results are floating milliseconds; the caller converts them.
 *
 * Unbounded rules are windowed: instead of iterating from DTSTART, the rule is re-anchored at the
 * start of the last period (year, month, week or day, respecting INTERVAL and WKST) at or before the
 * window, with the values that DTSTART implied (BYMONTHDAY, BYHOUR, ...) pinned explicitly, so the
 * cost is proportional to the window, not to the time since DTSTART. COUNT rules must be counted
 * from DTSTART; their prefix is memoised.
 */
export class FloatingRule {
  /** What rrule iterates: the pinned rule, or its YEARLY form when that means the same. */
  readonly #generator: RuleValue
  readonly #dtstart: number
  readonly #zone: string
  readonly #pinned: RuleValue
  readonly #options: Partial<RRuleOptions>
  /** Latest floating value the rule may still produce (UNTIL), or +Infinity. */
  readonly #untilBound: number
  readonly #untilInstant: number | null
  #empty: boolean | undefined
  #countedPrefix: { readonly upTo: number; readonly values: readonly number[] } | undefined

  constructor(rule: RuleValue, dtstart: LocalDateTime, zone: string) {
    this.#dtstart = toFloatingMs(dtstart)
    this.#zone = zone
    const pinned = pinImpliedParts(rule, dtstart)
    const reachable = withReachableSetPositions(pinned)
    this.#pinned = reachable ?? pinned
    if (reachable === null) this.#empty = true
    // rrule's cost is per period (it allocates a day mask for each), so a rule that visits every
    // period and has no BYSETPOS runs as its YEARLY form: the same days, a period a year.
    const everyPeriod = this.#pinned.interval === 1 && this.#pinned.bySetPos.length === 0
    this.#generator = everyPeriod ? asYearly(this.#pinned) : this.#pinned
    this.#options = rruleOptions(this.#generator)
    const end = rule.end
    if (end.kind !== 'until') {
      this.#untilBound = Number.POSITIVE_INFINITY
      this.#untilInstant = null
    } else if (end.until.kind === 'date') {
      // A date UNTIL includes that whole local day.
      this.#untilBound = toFloatingMs(end.until.date) + DAY_MS - SECOND_MS
      this.#untilInstant = null
    } else if (end.until.kind === 'local') {
      this.#untilBound = toFloatingMs(end.until.local)
      this.#untilInstant = null
    } else {
      const instant = toFloatingMs(end.until.local)
      // No zone is more than a day ahead of UTC, so this bounds the wall clock at that instant.
      this.#untilBound = instant + DAY_MS
      this.#untilInstant = instant
    }
  }

  /**
   * True when the rule, ignoring COUNT and UNTIL, never matches (BYMONTH=2;BYMONTHDAY=30, or
   * MONTHLY;INTERVAL=12;BYMONTH=2 from a January start). rrule would look for a match until year
   * 9999, so the question is settled by bounded scans instead:
   * 1. The rule without INTERVAL and BYSETPOS, which matches a superset of days, rewritten as a
   *    YEARLY rule and scanned over one 400-year cycle: a few hundred iterations. Empty means empty.
   * 2. Only when INTERVAL or BYSETPOS could still empty it: the rule itself over one period of its
   *    pattern, which repeats within 400 * INTERVAL years (see scanFindsNothing).
   */
  isEmpty(): boolean {
    if (this.#empty === undefined) {
      const relaxed: RuleValue = { ...this.#pinned, interval: 1, bySetPos: [] }
      if (scanFindsNothing(asYearly(relaxed), this.#dtstart)) this.#empty = true
      else if (this.#pinned.interval === 1 && this.#pinned.bySetPos.length === 0) this.#empty = false
      else this.#empty = scanFindsNothing(this.#pinned, this.#dtstart)
    }
    return this.#empty
  }

  /** Floating values of the rule's occurrences in [from, to], ascending. */
  between(from: number, to: number): number[] {
    const upper = Math.min(to, this.#untilBound)
    if (upper < from || this.isEmpty()) return []
    const values = this.#generator.end.kind === 'count' ? this.#counted(from, upper) : this.#windowed(from, upper)
    const untilInstant = this.#untilInstant
    if (untilInstant === null) return values
    return values.filter((f) => floatingToInstant(f, this.#zone) <= untilInstant)
  }

  /** How many occurrences of a COUNT rule come before the floating value `at`. */
  countBefore(at: number): number {
    return this.between(Number.NEGATIVE_INFINITY, at - SECOND_MS).length
  }

  #windowed(from: number, to: number): number[] {
    const anchor = Math.max(this.#dtstart, anchorAtOrBefore(this.#generator, this.#dtstart, from))
    const rule = new RRule({ ...this.#options, dtstart: new Date(anchor) })
    return rule.between(new Date(Math.max(from, anchor)), new Date(to), true).map((d) => d.getTime())
  }

  #counted(from: number, to: number): number[] {
    const end = this.#generator.end
    if (end.kind !== 'count') return []
    let prefix = this.#countedPrefix
    if (prefix === undefined || (prefix.upTo < to && prefix.values.length < end.count)) {
      const rule = new RRule({ ...this.#options, dtstart: new Date(this.#dtstart), count: end.count })
      const dates = Number.isFinite(to) ? rule.between(new Date(this.#dtstart), new Date(to), true) : rule.all()
      prefix = { upTo: to, values: dates.map((d) => d.getTime()) }
      this.#countedPrefix = prefix
    }
    return prefix.values.filter((f) => f >= from && f <= to)
  }
}

/**
 * Whether a pinned rule has no match from `dtstart` on. Its pattern repeats every 400 * INTERVAL
 * years at most (the calendar's 400-year cycle times the stride), so one such stretch decides;
 * it is placed, by whole 400-year cycles, to end near year 9999 where rrule stops looking.
 */
function scanFindsNothing(rule: RuleValue, dtstart: number): boolean {
  const startYear = new Date(dtstart).getUTCFullYear()
  const neededYears = CYCLE_YEARS * rule.interval + 1
  const cycles = Math.max(0, Math.floor((LAST_YEAR - neededYears - startYear) / CYCLE_YEARS))
  const shifted = dtstart + cycles * CYCLE_MS
  const probe = new RRule({ ...rruleOptions(rule), dtstart: new Date(shifted) })
  return probe.after(new Date(shifted), true) === null
}

/** Most days one period of each frequency can hold. */
const DAYS_PER_PERIOD: Readonly<Record<Frequency, number>> = { DAILY: 1, WEEKLY: 7, MONTHLY: 31, YEARLY: 366 }

/**
 * An upper bound on the days one period of the rule can select: each day-selecting part bounds
 * it (the selected days satisfy all of them), so the smallest of their bounds holds. A BYDAY
 * item matches at most once a week, five times a month or 53 times a year without an ordinal,
 * and once per period (per listed month, in a YEARLY rule) with one.
 */
function maxDaysPerPeriod(rule: RuleValue): number {
  const months = rule.byMonth.length > 0 ? rule.byMonth.length : 12
  const bounds = [DAYS_PER_PERIOD[rule.freq]]
  if (rule.byDay.length > 0) {
    const perItem = (ordinal: number | null): number => {
      if (rule.freq === 'WEEKLY') return 1
      if (rule.freq === 'MONTHLY') return ordinal === null ? 5 : 1
      if (rule.freq === 'YEARLY') return ordinal === null ? 53 : months
      return 1
    }
    bounds.push(rule.byDay.reduce((sum, item) => sum + perItem(item.ordinal), 0))
  }
  if (rule.byMonthDay.length > 0 && rule.freq === 'MONTHLY') bounds.push(rule.byMonthDay.length)
  if (rule.byMonthDay.length > 0 && rule.freq === 'YEARLY') bounds.push(rule.byMonthDay.length * months)
  if (rule.byYearDay.length > 0 && rule.freq === 'YEARLY') bounds.push(rule.byYearDay.length)
  return Math.min(...bounds)
}

/**
 * BYSETPOS picks the n-th of a period's candidates, and a period never holds more than the days
 * it can select times its times of day, so a larger position can never select anything. Such positions are
 * dropped; none left (null) means the rule never produces anything. With a single candidate per
 * period, +1 and -1 both pick it and BYSETPOS is dropped, so the rule can run in its YEARLY form. Without this, rrule settles "FREQ=DAILY;BYSETPOS=148"
 * only by walking every day to year 9999 (seconds of CPU for a rule string; found by fuzzing).
 */
function withReachableSetPositions(rule: RuleValue): RuleValue | null {
  if (rule.bySetPos.length === 0) return rule
  const candidates = maxDaysPerPeriod(rule) * rule.byHour.length * rule.byMinute.length * rule.bySecond.length
  const reachable = rule.bySetPos.filter((position) => Math.abs(position) <= candidates)
  if (reachable.length === 0) return null
  return { ...rule, bySetPos: candidates === 1 ? [] : reachable }
}

/**
 * A YEARLY rule matching the same days as a pinned INTERVAL=1 rule without BYSETPOS: every day
 * of the year that passes its filters. Weekday ordinals stay month-relative through BYMONTH.
 */
function asYearly(rule: RuleValue): RuleValue {
  if (rule.freq === 'YEARLY') return rule
  const everyWeekday = ([0, 1, 2, 3, 4, 5, 6] as const).map((weekday) => ({ weekday, ordinal: null }))
  const hasOrdinal = rule.byDay.some((d) => d.ordinal !== null)
  return {
    ...rule,
    freq: 'YEARLY',
    byDay: rule.byDay.length === 0 && rule.byMonthDay.length === 0 ? everyWeekday : rule.byDay,
    byMonth: hasOrdinal && rule.byMonth.length === 0 ? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] : rule.byMonth,
  }
}

/** rrule options for a rule whose implied parts are already pinned (see pinImpliedParts). */
function rruleOptions(rule: RuleValue): Partial<RRuleOptions> {
  const options: Partial<RRuleOptions> = { freq: RRULE_FREQ[rule.freq], interval: rule.interval, wkst: rule.wkst }
  // rrule treats an empty list as "given", so absent parts must be left out entirely.
  if (rule.byHour.length > 0) options.byhour = [...rule.byHour]
  if (rule.byMinute.length > 0) options.byminute = [...rule.byMinute]
  if (rule.bySecond.length > 0) options.bysecond = [...rule.bySecond]
  if (rule.byMonth.length > 0) options.bymonth = [...rule.byMonth]
  if (rule.byMonthDay.length > 0) options.bymonthday = [...rule.byMonthDay]
  if (rule.byDay.length > 0) options.byweekday = rule.byDay.map((d) => new Weekday(d.weekday, d.ordinal ?? undefined))
  if (rule.byYearDay.length > 0) options.byyearday = [...rule.byYearDay]
  if (rule.byWeekNo.length > 0) options.byweekno = [...rule.byWeekNo]
  if (rule.bySetPos.length > 0) options.bysetpos = [...rule.bySetPos]
  return options
}

/**
 * Periods of a rule, numbered: years, months, WKST-aligned weeks or days since the epoch. A rule
 * visits the periods DTSTART's period + k * INTERVAL.
 */
function periodIndex(freq: Frequency, wkst: number, floating: number): number {
  const d = new Date(floating)
  switch (freq) {
    case 'YEARLY':
      return d.getUTCFullYear()
    case 'MONTHLY':
      return d.getUTCFullYear() * 12 + d.getUTCMonth()
    case 'WEEKLY':
      return Math.floor((floating - weekPhase(wkst)) / WEEK_MS)
    case 'DAILY':
      return Math.floor(floating / DAY_MS)
  }
}

function periodStart(freq: Frequency, wkst: number, index: number): number {
  const d = new Date(0)
  switch (freq) {
    case 'YEARLY':
      d.setUTCFullYear(index, 0, 1)
      return d.getTime()
    case 'MONTHLY':
      d.setUTCFullYear(Math.floor(index / 12), index % 12, 1)
      return d.getTime()
    case 'WEEKLY':
      return index * WEEK_MS + weekPhase(wkst)
    case 'DAILY':
      return index * DAY_MS
  }
}

/** Offset of the first WKST-day after the epoch; 1970-01-05 was a Monday. */
function weekPhase(wkst: number): number {
  return ((4 + wkst) % 7) * DAY_MS
}

/** Whether `target` lies in a period the rule visits (always so with INTERVAL=1). */
export function isInPhase(rule: RuleValue, dtstart: LocalDateTime, target: LocalDateTime): boolean {
  const first = periodIndex(rule.freq, rule.wkst, toFloatingMs(dtstart))
  const periods = periodIndex(rule.freq, rule.wkst, toFloatingMs(target)) - first
  return ((periods % rule.interval) + rule.interval) % rule.interval === 0
}

/**
 * The start of the latest period the rule visits that begins at or before `target`, or DTSTART
 * itself when that is DTSTART's own period (rrule must not see candidates before DTSTART there).
 */
function anchorAtOrBefore(rule: RuleValue, dtstart: number, target: number): number {
  if (!Number.isFinite(target) || target <= dtstart) return dtstart
  const first = periodIndex(rule.freq, rule.wkst, dtstart)
  const periods = Math.floor((periodIndex(rule.freq, rule.wkst, target) - first) / rule.interval)
  return periods < 1 ? dtstart : periodStart(rule.freq, rule.wkst, first + periods * rule.interval)
}
