/** The recurrence API of the calendar domain; other layers import from here. */
export type { OccurrenceException, RecurrenceFieldNames, RecurrenceSpec } from './recurrence-spec.js'
export { DEFAULT_FIELD_NAMES } from './recurrence-spec.js'
export type { Occurrence } from './recurrence.js'
export { DEFAULT_MAX_OCCURRENCES, Recurrence, expandOccurrences, parseRecurrence } from './recurrence.js'
export { splitSeries } from './split-series.js'
