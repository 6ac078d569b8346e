import { CalendarInputError } from '../calendar-input-error.js'
import { toFloatingMs, type LocalDateTime } from '../time/local-date-time.js'
import { formatIcalDateValue, parseIcalDateValue, type IcalDateValue } from './ical-date-value.js'

/**
 * The value of an RRULE or EXRULE line, validated. Only day-or-longer frequencies are accepted:
 * calendar events do not recur hourly, and sub-daily rules that can never match would make the
 * expander scan millions of candidates (see docs/DESIGN.md 3.1). BYHOUR/BYMINUTE/BYSECOND still
 * give several times a day.
 */
export type Frequency = 'YEARLY' | 'MONTHLY' | 'WEEKLY' | 'DAILY'

export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const
/** 0 = Monday .. 6 = Sunday, as the `rrule` package numbers them. */
export type WeekdayIndex = 0 | 1 | 2 | 3 | 4 | 5 | 6

export interface WeekdayRule {
  readonly weekday: WeekdayIndex
  /** e.g. 3 in 3WE, -2 in -2FR; null for every such weekday of the period. */
  readonly ordinal: number | null
}

export type RuleEnd =
  | { readonly kind: 'never' }
  | { readonly kind: 'count'; readonly count: number }
  | { readonly kind: 'until'; readonly until: IcalDateValue }

export interface RuleValue {
  readonly freq: Frequency
  readonly interval: number
  readonly end: RuleEnd
  /** Empty lists mean the part was not given. */
  readonly bySecond: readonly number[]
  readonly byMinute: readonly number[]
  readonly byHour: readonly number[]
  readonly byDay: readonly WeekdayRule[]
  readonly byMonthDay: readonly number[]
  readonly byYearDay: readonly number[]
  readonly byWeekNo: readonly number[]
  readonly byMonth: readonly number[]
  readonly bySetPos: readonly number[]
  readonly wkst: WeekdayIndex
}

export const MAX_COUNT = 100_000
export const MAX_INTERVAL = 1_000

const FREQUENCIES: readonly string[] = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY']
const SUB_DAILY: readonly string[] = ['HOURLY', 'MINUTELY', 'SECONDLY']
const PART_NAMES = [
  'FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYSECOND', 'BYMINUTE', 'BYHOUR', 'BYDAY',
  'BYMONTHDAY', 'BYYEARDAY', 'BYWEEKNO', 'BYMONTH', 'BYSETPOS', 'WKST',
] as const
type PartName = (typeof PART_NAMES)[number]

const INTEGER = /^[+-]?\d{1,6}$/
const BYDAY_ITEM = /^([+-]?)(\d{1,2})?([A-Z]{2})$/

/**
 * Parses the value after 'RRULE:' (or 'EXRULE:'), e.g. 'FREQ=MONTHLY;BYDAY=3WE'. Every error
 * names `field`, the property (`name`) and the offending part.
 */
export function parseRuleValue(text: string, name: 'RRULE' | 'EXRULE', field: string): RuleValue {
  const fail: (what: string) => never = (what) => {
    throw new CalendarInputError(field, `${field}: ${name}: ${what}`)
  }
  const parts = new Map<PartName, string>()
  if (text.length === 0) fail('empty rule (expected at least FREQ=...)')
  for (const part of text.split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) fail(`"${part}" is not NAME=VALUE`)
    const partName = part.slice(0, eq).toUpperCase()
    const value = part.slice(eq + 1).toUpperCase()
    if (!(PART_NAMES as readonly string[]).includes(partName)) fail(`unknown part "${part.slice(0, eq)}"`)
    const known = partName as PartName
    if (parts.has(known)) fail(`${known} is given twice`)
    if (value.length === 0) fail(`${known} has no value`)
    parts.set(known, value)
  }

  const freqText = parts.get('FREQ')
  if (freqText === undefined) fail('FREQ is required')
  const freq = freqText as string
  if (SUB_DAILY.includes(freq)) fail(`FREQ=${freq} is not supported (use FREQ=DAILY with BYHOUR/BYMINUTE)`)
  if (!FREQUENCIES.includes(freq)) fail(`unknown FREQ value "${freq}" (expected YEARLY, MONTHLY, WEEKLY or DAILY)`)
  const frequency = freq as Frequency

  const integers = (key: PartName, min: number, max: number, allowNegative: boolean): number[] => {
    const raw = parts.get(key)
    if (raw === undefined) return []
    const seen = new Set<number>()
    for (const item of raw.split(',')) {
      if (!INTEGER.test(item)) fail(`${key} value "${item}" is not an integer`)
      const n = Number(item)
      const inRange = allowNegative ? Math.abs(n) >= min && Math.abs(n) <= max : n >= min && n <= max
      if (!inRange) {
        fail(`${key} value "${item}" is out of range (${allowNegative ? `±${min}..${max}` : `${min}..${max}`})`)
      }
      if (allowNegative && n === 0) fail(`${key} value "${item}" must not be 0`)
      seen.add(n)
    }
    return [...seen].sort((a, b) => a - b)
  }
  const single = (key: PartName, min: number, max: number): number | undefined => {
    const raw = parts.get(key)
    if (raw === undefined) return undefined
    if (!/^\d{1,7}$/.test(raw)) fail(`${key} value "${raw}" is not a positive integer`)
    const n = Number(raw)
    if (n < min || n > max) fail(`${key} value "${raw}" is out of range (${min}..${max})`)
    return n
  }
  const weekday = (key: PartName, text: string): WeekdayIndex => {
    const index = (WEEKDAYS as readonly string[]).indexOf(text)
    if (index < 0) fail(`unknown ${key} value "${text}" (expected MO, TU, WE, TH, FR, SA or SU)`)
    return index as WeekdayIndex
  }

  const interval = single('INTERVAL', 1, MAX_INTERVAL) ?? 1
  const count = single('COUNT', 1, MAX_COUNT)
  const untilText = parts.get('UNTIL')
  if (count !== undefined && untilText !== undefined) fail('COUNT and UNTIL must not both be given')
  const end: RuleEnd =
    count !== undefined
      ? { kind: 'count', count }
      : untilText !== undefined
        ? { kind: 'until', until: parseIcalDateValue(untilText, field, `${name} UNTIL`) }
        : { kind: 'never' }

  const bySecond = integers('BYSECOND', 0, 59, false)
  const byMinute = integers('BYMINUTE', 0, 59, false)
  const byHour = integers('BYHOUR', 0, 23, false)
  const byMonthDay = integers('BYMONTHDAY', 1, 31, true)
  const byYearDay = integers('BYYEARDAY', 1, 366, true)
  const byWeekNo = integers('BYWEEKNO', 1, 53, true)
  const byMonth = integers('BYMONTH', 1, 12, false)
  const bySetPos = integers('BYSETPOS', 1, 366, true)
  const wkstText = parts.get('WKST')
  const wkst = wkstText === undefined ? 0 : weekday('WKST', wkstText)

  const byDay: WeekdayRule[] = []
  const byDayText = parts.get('BYDAY')
  for (const item of byDayText === undefined ? [] : byDayText.split(',')) {
    const m = BYDAY_ITEM.exec(item)
    if (!m) fail(`unknown BYDAY value "${item}"`)
    const [, sign, digits, dayName] = m as RegExpExecArray
    if (!(WEEKDAYS as readonly string[]).includes(dayName ?? '')) {
      fail(`unknown BYDAY value "${item}" (expected e.g. MO, 3WE or -2FR)`)
    }
    const day = weekday('BYDAY', dayName ?? '')
    let ordinal: number | null = null
    if (digits !== undefined) {
      ordinal = Number(digits) * (sign === '-' ? -1 : 1)
      if (ordinal === 0 || Math.abs(ordinal) > 53) fail(`BYDAY value "${item}" has an ordinal outside ±1..53`)
      if (frequency !== 'MONTHLY' && frequency !== 'YEARLY') {
        fail(`BYDAY value "${item}" has an ordinal, which only MONTHLY and YEARLY rules allow`)
      }
      const withinMonth = frequency === 'MONTHLY' || byMonth.length > 0
      if (withinMonth && Math.abs(ordinal) > 5) {
        fail(`BYDAY value "${item}": a month has at most 5 of each weekday`)
      }
      if (byWeekNo.length > 0) fail(`BYDAY value "${item}" has an ordinal, which BYWEEKNO rules do not allow`)
    } else if (sign !== '') {
      fail(`BYDAY value "${item}" has a sign but no number`)
    }
    if (byDay.some((d) => d.weekday === day && d.ordinal === ordinal)) fail(`BYDAY value "${item}" is given twice`)
    byDay.push({ weekday: day, ordinal })
  }

  if (byMonthDay.length > 0 && frequency === 'WEEKLY') fail('BYMONTHDAY is not allowed with FREQ=WEEKLY')
  if (byYearDay.length > 0 && frequency !== 'YEARLY') fail(`BYYEARDAY is not allowed with FREQ=${frequency}`)
  if (byWeekNo.length > 0 && frequency !== 'YEARLY') fail('BYWEEKNO is only allowed with FREQ=YEARLY')
  const hasOtherBy =
    bySecond.length + byMinute.length + byHour.length + byDay.length + byMonthDay.length +
      byYearDay.length + byWeekNo.length + byMonth.length > 0
  if (bySetPos.length > 0 && !hasOtherBy) fail('BYSETPOS needs another BYxxx part to select from')

  return {
    freq: frequency, interval, end, bySecond, byMinute, byHour, byDay, byMonthDay, byYearDay,
    byWeekNo, byMonth, bySetPos, wkst,
  }
}

/** The canonical text of a rule value (parts in a fixed order), parseable by parseRuleValue. */
export function formatRuleValue(rule: RuleValue): string {
  const parts = [`FREQ=${rule.freq}`]
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`)
  if (rule.end.kind === 'count') parts.push(`COUNT=${rule.end.count}`)
  if (rule.end.kind === 'until') parts.push(`UNTIL=${formatIcalDateValue(rule.end.until)}`)
  const list = (key: string, values: readonly number[]): void => {
    if (values.length > 0) parts.push(`${key}=${values.join(',')}`)
  }
  list('BYSECOND', rule.bySecond)
  list('BYMINUTE', rule.byMinute)
  list('BYHOUR', rule.byHour)
  if (rule.byDay.length > 0) {
    parts.push(`BYDAY=${rule.byDay.map((d) => `${d.ordinal ?? ''}${WEEKDAYS[d.weekday]}`).join(',')}`)
  }
  list('BYMONTHDAY', rule.byMonthDay)
  list('BYYEARDAY', rule.byYearDay)
  list('BYWEEKNO', rule.byWeekNo)
  list('BYMONTH', rule.byMonth)
  list('BYSETPOS', rule.bySetPos)
  if (rule.wkst !== 0) parts.push(`WKST=${WEEKDAYS[rule.wkst]}`)
  return parts.join(';')
}

/**
 * The rule with every part that DTSTART implies written out (RFC 5545 3.3.10: BYxxx parts that
 * are missing are taken from DTSTART): the time of day, and the day of the month, year or week
 * when no day selector is given. The result means the same from any DTSTART in a period the rule
 * visits, which is what windowed expansion and series splitting rely on.
 */
export function pinImpliedParts(rule: RuleValue, dtstart: LocalDateTime): RuleValue {
  const noDaySelector =
    rule.byWeekNo.length === 0 && rule.byYearDay.length === 0 && rule.byMonthDay.length === 0 && rule.byDay.length === 0
  const pinned = {
    ...rule,
    byHour: rule.byHour.length > 0 ? rule.byHour : [dtstart.hour],
    byMinute: rule.byMinute.length > 0 ? rule.byMinute : [dtstart.minute],
    bySecond: rule.bySecond.length > 0 ? rule.bySecond : [dtstart.second],
  }
  if (!noDaySelector) return pinned
  switch (rule.freq) {
    case 'YEARLY':
      return { ...pinned, byMonth: rule.byMonth.length > 0 ? rule.byMonth : [dtstart.month], byMonthDay: [dtstart.day] }
    case 'MONTHLY':
      return { ...pinned, byMonthDay: [dtstart.day] }
    case 'WEEKLY':
      return { ...pinned, byDay: [{ weekday: weekdayOf(dtstart), ordinal: null }] }
    case 'DAILY':
      return pinned
  }
}

/** ISO weekday of a date, 0 = Monday. */
function weekdayOf(t: LocalDateTime): WeekdayIndex {
  const sundayFirst = new Date(toFloatingMs(t)).getUTCDay()
  return ((sundayFirst + 6) % 7) as WeekdayIndex
}
