import type { LocalDateTime } from '../time/local-date-time.js'

/** One occurrence of a series changed on its own; `originalStart` is the series' wall-clock start for it. */
export type OccurrenceException =
  | { readonly kind: 'cancelled'; readonly originalStart: LocalDateTime }
  | {
      readonly kind: 'moved'
      readonly originalStart: LocalDateTime
      readonly start: LocalDateTime
      /** Absent: the series' duration. */
      readonly durationMinutes?: number
    }

/**
 * A recurring series as stored: wall-clock start and zone, never only instants, so a tz database
 * update re-derives correct instants.
 */
export interface RecurrenceSpec {
  readonly dtstart: LocalDateTime
  readonly zone: string
  /**
   * RFC 5545 content lines: 'RRULE:...', 'EXRULE:...', 'RDATE:...', 'EXDATE:...'. RDATE/EXDATE
   * values without Z or TZID are wall-clock times in `zone`; values may be comma-separated;
   * VALUE=DATE is allowed. No lines at all: a single occurrence at dtstart.
   */
  readonly lines: readonly string[]
  readonly exceptions?: readonly OccurrenceException[]
}

/** How errors name the parts of a spec; defaults suit library callers, the CLI passes its flags. */
export interface RecurrenceFieldNames {
  readonly dtstart: string
  readonly zone: string
  readonly line: (index: number) => string
  readonly exception: (index: number) => string
}

export const DEFAULT_FIELD_NAMES: RecurrenceFieldNames = {
  dtstart: 'dtstart',
  zone: 'zone',
  line: (index) => `lines[${index}]`,
  exception: (index) => `exceptions[${index}]`,
}
