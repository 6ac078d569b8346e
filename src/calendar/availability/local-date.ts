import { instantToWallClock } from '../time/time-zone.js';
import type { Weekday } from './work-schedule.js';

/** A calendar date without a zone. */
export interface LocalDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

const DAY_MS = 86_400_000;

/** The local date in `zone` at the instant `ms`. */
export function localDateOf(ms: number, zone: string): LocalDate {
  const { year, month, day } = instantToWallClock(ms, zone);
  return { year, month, day };
}

// Pure calendar arithmetic on dates (no zone involved), done on UTC dates of the proleptic calendar.
export function addDays(date: LocalDate, days: number): LocalDate {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day) + days * DAY_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function isoWeekday(date: LocalDate): Weekday {
  const sundayZero = new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
  return (sundayZero === 0 ? 7 : sundayZero) as Weekday;
}

export function compareDates(a: LocalDate, b: LocalDate): number {
  return a.year - b.year || a.month - b.month || a.day - b.day;
}

export function formatLocalDate(date: LocalDate): string {
  const pad = (n: number, w: number): string => String(n).padStart(w, '0');
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}
