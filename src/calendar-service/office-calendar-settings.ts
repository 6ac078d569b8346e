/** An office's calendar defaults, derived from its entry in the cluster config. */
import { validateWorkSchedule, WEEKDAYS, type TimeRange, type Weekday } from '../calendar/availability/work-schedule.js'
import { WEEKDAYS as CONFIG_WEEKDAYS, type OfficeConfig } from '../config/cluster-config-schema.js'
import type { OfficeCalendarSettings } from './calendar-apply-context.js'

export function officeCalendarSettings(office: OfficeConfig): OfficeCalendarSettings {
  const working = new Set(office.workDays.map((day) => CONFIG_WEEKDAYS.indexOf(day) + 1))
  const hours: readonly TimeRange[] = [office.workHours]
  const weekly = Object.fromEntries(WEEKDAYS.map((day) => [day, working.has(day) ? hours : []])) as Record<Weekday, readonly TimeRange[]>
  const schedule = validateWorkSchedule(
    { zone: office.timeZone, weekly, lunch: office.lunch, holidays: office.holidays.map((h) => h.date).sort(), overrides: {} },
    `offices.${office.id}`,
  )
  return { officeId: office.id, schedule }
}
