import { IntervalSet, type Interval } from '../intervals/interval-set.js'
import { instantOfLocal, instantOfLocalMidnight } from './local-day-clock.js'
import { addDays, compareDates, formatLocalDate, isoWeekday, localDateOf, type LocalDate } from './local-date.js'
import { rangeMinutes, type MinuteRange, type Weekday, type WorkSchedule } from './work-schedule.js'

/**
 * The working time of `schedule` inside `window`, as UTC intervals.
 *
 * Each local day is converted on its own: the day's ranges are wall-clock times, and each
 * boundary goes through the project's one wall-clock → instant conversion (see instantOfLocal),
 * so a day that contains a DST change gets the right (shorter or longer) length, and a boundary
 * that falls in a spring-forward gap moves forward with the gap.
 */
export function workingIntervals(schedule: WorkSchedule, window: Interval): IntervalSet {
  if (window.end <= window.start) return IntervalSet.empty
  // One day of margin on each side: a local day can begin up to ~14 h before its UTC date.
  const first = addDays(localDateOf(window.start, schedule.zone), -1)
  const last = addDays(localDateOf(window.end, schedule.zone), 1)
  const lunch = schedule.lunch === null ? null : rangeMinutes(schedule.lunch, 'schedule.lunch')
  const pieces: Interval[] = []
  for (let date = first; compareDates(date, last) <= 0; date = addDays(date, 1)) {
    for (const range of dayRanges(schedule, date, lunch)) {
      const start = atMinute(date, range.start, schedule.zone)
      const end = atMinute(date, range.end, schedule.zone)
      if (end > start) pieces.push({ start, end })
    }
  }
  return IntervalSet.of(pieces).clip(window)
}

/** The working ranges of one local date, in minutes after midnight, lunch removed. */
function dayRanges(schedule: WorkSchedule, date: LocalDate, lunch: MinuteRange | null): MinuteRange[] {
  const key = formatLocalDate(date)
  const override = schedule.overrides[key]
  const ranges =
    override !== undefined ? override : schedule.holidays.includes(key) ? [] : schedule.weekly[isoWeekday(date)]
  const minutes = ranges.map((r) => rangeMinutes(r, `schedule ${key}`))
  return lunch === null ? minutes : minutes.flatMap((r) => cutOut(r, lunch))
}

function cutOut(range: MinuteRange, hole: MinuteRange): MinuteRange[] {
  if (hole.end <= range.start || range.end <= hole.start) return [range]
  const out: MinuteRange[] = []
  if (range.start < hole.start) out.push({ start: range.start, end: hole.start })
  if (hole.end < range.end) out.push({ start: hole.end, end: range.end })
  return out
}

/** Instant of `minutes` after local midnight of `date`; 1440 is the next day's midnight. */
function atMinute(date: LocalDate, minutes: number, zone: string): number {
  if (minutes === 24 * 60) return instantOfLocalMidnight(addDays(date, 1), zone)
  return instantOfLocal({ ...date, hour: Math.floor(minutes / 60), minute: minutes % 60, second: 0 }, zone)
}
