import ICAL from 'ical.js'
import t from 'tap'
import { busyIntervals } from '../../src/calendar/availability/busy-time.js'
import type { CalendarEvent } from '../../src/calendar/availability/calendar-event.js'
import { exportFreeBusy } from '../../src/ical/index.js'

const at = (day: number, hour: number) => ({ year: 2026, month: 3, day, hour, minute: 0, second: 0 })
const timed = (id: string, day: number, hour: number, minutes: number, transparency: CalendarEvent['transparency']): CalendarEvent => ({
  id, title: `secret ${id}`, zone: 'Europe/London', timing: { kind: 'timed', start: at(day, hour), durationMinutes: minutes }, transparency, recurrence: null, meetingId: null,
})

t.test('VFREEBUSY lists firm and tentative time in UTC and nothing else about the events', async (t) => {
  const window = { start: Date.parse('2026-03-09T00:00:00Z'), end: Date.parse('2026-03-11T00:00:00Z') }
  // London is on GMT until 03-29, so local times equal UTC here.
  const events = [timed('a', 9, 9, 60, 'busy'), timed('b', 9, 9, 120, 'tentative'), timed('c', 10, 14, 30, 'tentative'), timed('d', 10, 16, 30, 'free')]
  const { busy, tentative } = busyIntervals(events, window)
  const text = exportFreeBusy({ user: 'alice', window, busy, tentative }, { domain: 'dms.example', now: () => window.start })
  t.notMatch(text, /secret/, 'titles never leave the office')
  const vfreebusy = new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vfreebusy')
  if (vfreebusy === null) throw new Error('no VFREEBUSY')
  const periods = vfreebusy.getAllProperties('freebusy').flatMap((p) =>
    p.getValues().map((v) => `${String(p.getParameter('fbtype'))} ${String(v)}`),
  )
  // Busy 09:00-10:00 (a); 10:00-11:00 only the tentative b; 14:00-14:30 on 03-10 tentative c; d is free.
  t.same(periods, [
    'BUSY 2026-03-09T09:00:00Z/2026-03-09T10:00:00Z',
    'BUSY-TENTATIVE 2026-03-09T10:00:00Z/2026-03-09T11:00:00Z',
    'BUSY-TENTATIVE 2026-03-10T14:00:00Z/2026-03-10T14:30:00Z',
  ])
  t.equal(String(vfreebusy.getFirstPropertyValue('dtstart')), '2026-03-09T00:00:00Z')
  t.equal(String(vfreebusy.getFirstPropertyValue('dtend')), '2026-03-11T00:00:00Z')
})
