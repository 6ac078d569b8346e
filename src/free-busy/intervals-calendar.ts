/** Another office's answer about a person as the suggestion engine's interval-only calendar. */
import type { FreeBusyUser } from '../calendar-service/calendar-api.js'
import { IntervalSet } from '../calendar/intervals/interval-set.js'
import type { AttendeeCalendar } from '../calendar/suggestions/meeting-request.js'

export function intervalsCalendar(user: FreeBusyUser): AttendeeCalendar {
  const set = (list: FreeBusyUser['busy']): IntervalSet => IntervalSet.of(list.map((i) => ({ start: Date.parse(i.start), end: Date.parse(i.end) })))
  return { kind: 'intervals', id: user.id, zone: user.tz, working: set(user.working), busy: set(user.busy), tentative: set(user.tentative) }
}
