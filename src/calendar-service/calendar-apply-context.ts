/** What applying one calendar command may depend on besides the keyspace: all of it replicated. */
import type { WorkSchedule } from '../calendar/availability/work-schedule.js'

export interface OfficeCalendarSettings {
  readonly officeId: string
  /** The office's working time, zone, lunch and holidays: every user's defaults. */
  readonly schedule: WorkSchedule
}

export interface CalendarApplyContext {
  readonly office: OfficeCalendarSettings
  /** The leader's clock when it proposed the entry: the only "now" the state machine knows. */
  readonly atMs: number
  /** The entry's log index: makes ids unique and identical on every replica. */
  readonly index: number
  /** Collects the people whose outbox grew, so waiting subscribers can be woken after the commit. */
  readonly notifiedUsers: Set<string>
}
