/** The interval algebra of the calendar domain; other layers import from here. */
export { IntervalSet } from './interval-set.js'
export type { Interval, IntervalQueries } from './interval-set.js'
export { IntervalCursor } from './interval-cursor.js'
