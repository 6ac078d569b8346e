import type { Interval, IntervalSet } from '../calendar/intervals/interval-set.js'
import { addressOf, PRODUCT_ID, type ExportContext } from './export-context.js'
import { jcalUtcDateTime, stringifyCalendar, type JcalProperty } from './jcal.js'

/** A person's blocked time in a window, as the calendar domain computes it (see busyIntervals). */
export interface FreeBusyForExport {
  readonly user: string
  readonly window: Interval
  /** Every blocked instant, tentative ones included. */
  readonly busy: IntervalSet
  /** The part of `busy` that only tentative events block. */
  readonly tentative: IntervalSet
}

/**
 * A published VFREEBUSY: FREEBUSY periods in UTC, FBTYPE=BUSY for firm time and BUSY-TENTATIVE for
 * time only tentative events hold; nothing else about the events leaves the office.
 */
export function exportFreeBusy(freeBusy: FreeBusyForExport, context: ExportContext): string {
  const { user, window } = freeBusy
  const firm = freeBusy.busy.subtract(freeBusy.tentative).clip(window)
  const tentative = freeBusy.tentative.clip(window)
  const periods = (set: IntervalSet, fbtype: string): JcalProperty[] =>
    set.isEmpty ? [] : [['freebusy', { fbtype }, 'period', ...set.intervals().map((i) => [jcalUtcDateTime(i.start), jcalUtcDateTime(i.end)])]]
  const properties: JcalProperty[] = [
    ['uid', {}, 'text', `freebusy-${user}-${window.start}-${window.end}@${context.domain}`],
    ['dtstamp', {}, 'date-time', jcalUtcDateTime(context.now())],
    ['organizer', { cn: user }, 'cal-address', addressOf(context, user)],
    ['dtstart', {}, 'date-time', jcalUtcDateTime(window.start)],
    ['dtend', {}, 'date-time', jcalUtcDateTime(window.end)],
    ...periods(firm, 'BUSY'),
    ...periods(tentative, 'BUSY-TENTATIVE'),
  ]
  return stringifyCalendar([
    'vcalendar',
    [
      ['prodid', {}, 'text', PRODUCT_ID],
      ['version', {}, 'text', '2.0'],
      ['method', {}, 'text', 'PUBLISH'],
    ],
    [['vfreebusy', properties, []]],
  ])
}
