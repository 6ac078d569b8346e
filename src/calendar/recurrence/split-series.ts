import { CalendarInputError } from '../calendar-input-error.js'
import {
  formatLocalDateTime,
  fromFloatingMs,
  makeLocalDateTime,
  toFloatingMs,
  type LocalDateTime,
} from '../time/local-date-time.js'
import { wallClockToInstant } from '../time/time-zone.js'
import { formatDateEntry, parseContentLine, type DateEntry } from './content-line.js'
import { FloatingRule, isInPhase } from './floating-rule.js'
import { DEFAULT_FIELD_NAMES, type RecurrenceFieldNames, type RecurrenceSpec } from './recurrence-spec.js'
import { parseRecurrence } from './recurrence.js'
import { formatRuleValue, pinImpliedParts, type RuleEnd, type RuleValue } from './rule-value.js'

const SECOND_MS = 1000
const DAY_MS = 86_400_000

/**
 * A "this and following" edit: the series up to (not including) the occurrence at `at`, and a new
 * series starting there. Together they have exactly the original's occurrences and exceptions, so
 * the caller can then change `after` alone. `at` must be a nominal start of an occurrence after
 * DTSTART. Rules keep their meaning from the new start: parts DTSTART implied are written out and
 * a COUNT is reduced by the occurrences already past. A rule with INTERVAL > 1 cannot restart in a
 * period it skips (RFC 5545 has no way to say so), which is an error naming the rule.
 */
export function splitSeries(
  spec: RecurrenceSpec,
  at: LocalDateTime,
  names: RecurrenceFieldNames = DEFAULT_FIELD_NAMES,
): { before: RecurrenceSpec; after: RecurrenceSpec } {
  const recurrence = parseRecurrence(spec, names)
  const split = makeLocalDateTime(at, 'at', formatLocalDateTime(at))
  const splitText = formatLocalDateTime(split)
  const splitFloating = toFloatingMs(split)
  if (splitFloating <= toFloatingMs(spec.dtstart)) {
    throw new CalendarInputError('at', `at: ${splitText} is not after the series start ${formatLocalDateTime(spec.dtstart)}`)
  }
  if (!recurrence.hasOccurrenceAt(split)) {
    throw new CalendarInputError('at', `at: ${splitText} is not an occurrence of the series`)
  }
  const splitInstant = wallClockToInstant(split, spec.zone)
  const lastBefore = fromFloatingMs(splitFloating - SECOND_MS)

  const beforeLines: string[] = []
  const afterLines: string[] = []
  spec.lines.forEach((text, index) => {
    const field = names.line(index)
    const line = parseContentLine(text, field)
    switch (line.name) {
      case 'RRULE':
      case 'EXRULE': {
        const rule = line.rule
        const counted = rule.end.kind === 'count' ? new FloatingRule(rule, spec.dtstart, spec.zone).countBefore(splitFloating) : 0
        const beforeEnd = endBefore(rule.end, counted, lastBefore, splitInstant, spec.zone)
        if (beforeEnd !== null) beforeLines.push(`${line.name}:${formatRuleValue({ ...rule, end: beforeEnd })}`)
        if (!isInPhase(rule, spec.dtstart, split)) {
          throw new CalendarInputError(
            'at',
            `at: ${splitText} falls in a period that ${field} skips (INTERVAL=${rule.interval}); split at a date in its cycle`,
          )
        }
        if (rule.freq === 'WEEKLY' && rule.bySetPos.length > 0 && weekdayIndex(splitFloating) !== rule.wkst) {
          // rrule (like dateutil) numbers BYSETPOS within the part of DTSTART's week from DTSTART
          // on, so a new DTSTART in mid-week would pick different days in that week.
          throw new CalendarInputError(
            'at',
            `at: ${splitText} is in the middle of a week, where ${field} (WEEKLY with BYSETPOS) cannot restart`,
          )
        }
        const afterEnd: RuleEnd | null =
          rule.end.kind !== 'count' ? rule.end : rule.end.count > counted ? { kind: 'count', count: rule.end.count - counted } : null
        if (afterEnd !== null) {
          const pinned: RuleValue = { ...pinImpliedParts(rule, spec.dtstart), end: afterEnd }
          afterLines.push(`${line.name}:${formatRuleValue(pinned)}`)
        }
        break
      }
      case 'RDATE':
        for (const entry of line.dates) {
          const formatted = formatDateEntry('RDATE', entry)
          if (isBefore(entry, spec.dtstart, splitFloating, splitInstant)) beforeLines.push(formatted)
          else afterLines.push(formatted)
        }
        break
      case 'EXDATE':
        // Exclusions outside a series' range are harmless; each half keeps them all.
        beforeLines.push(text)
        afterLines.push(text)
        break
    }
  })

  const exceptions = spec.exceptions ?? []
  const startsBefore = (t: LocalDateTime): boolean => toFloatingMs(t) < splitFloating
  return {
    before: {
      dtstart: spec.dtstart,
      zone: spec.zone,
      lines: beforeLines,
      exceptions: exceptions.filter((e) => startsBefore(e.originalStart)),
    },
    after: {
      dtstart: split,
      zone: spec.zone,
      lines: afterLines,
      exceptions: exceptions.filter((e) => !startsBefore(e.originalStart)),
    },
  }
}

/** How the first half of a rule ends: before the split, or earlier if it already did; null when it has no occurrence left. */
function endBefore(
  end: RuleEnd,
  counted: number,
  lastBefore: LocalDateTime,
  splitInstant: number,
  zone: string,
): RuleEnd | null {
  const cut: RuleEnd = { kind: 'until', until: { kind: 'local', local: lastBefore } }
  switch (end.kind) {
    case 'never':
      return cut
    case 'count':
      return counted > 0 ? { kind: 'count', count: counted } : null
    case 'until': {
      const until = end.until
      const endsEarlier =
        until.kind === 'utc'
          ? toFloatingMs(until.local) < splitInstant
          : until.kind === 'date'
            ? toFloatingMs(until.date) + DAY_MS - SECOND_MS <= toFloatingMs(lastBefore)
            : toFloatingMs(until.local) <= toFloatingMs(lastBefore)
      return endsEarlier ? end : cut
    }
  }
}

function isBefore(entry: DateEntry, dtstart: LocalDateTime, splitFloating: number, splitInstant: number): boolean {
  switch (entry.kind) {
    case 'date':
      return toFloatingMs({ ...entry.date, hour: dtstart.hour, minute: dtstart.minute, second: dtstart.second }) < splitFloating
    case 'local':
      return toFloatingMs(entry.local) < splitFloating
    case 'zoned':
      return wallClockToInstant(entry.local, entry.zone) < splitInstant
    case 'utc':
      return toFloatingMs(entry.local) < splitInstant
  }
}

/** 0 = Monday, as WKST is numbered. */
function weekdayIndex(floating: number): number {
  return (new Date(floating).getUTCDay() + 6) % 7
}
