import fc from 'fast-check'

/** Random valid RRULE values (without 'RRULE:'), shared by the recurrence property tests. */
const weekdays = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const
export const ruleArb = fc
  .record({
    freq: fc.constantFrom('YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY'),
    interval: fc.integer({ min: 1, max: 4 }),
    count: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
    byDay: fc.subarray([...weekdays], { maxLength: 3 }),
    ordinal: fc.option(fc.constantFrom(1, 2, 3, -1, -2), { nil: undefined }),
    byMonth: fc.subarray([1, 2, 3, 6, 9, 11, 12], { maxLength: 3 }),
    byMonthDay: fc.subarray([1, 13, 28, 29, 30, 31, -1], { maxLength: 2 }),
    byHour: fc.subarray([0, 2, 9, 23], { maxLength: 2 }),
    bySetPos: fc.option(fc.constantFrom(1, -1, 2), { nil: undefined }),
    wkst: fc.constantFrom('MO', 'SU', 'WE'),
  })
  .map((r) => {
    const parts = [`FREQ=${r.freq}`, `INTERVAL=${r.interval}`, `WKST=${r.wkst}`]
    if (r.count !== undefined) parts.push(`COUNT=${r.count}`)
    const ordinalAllowed = r.freq === 'MONTHLY' || r.freq === 'YEARLY'
    if (r.byDay.length > 0) parts.push(`BYDAY=${r.byDay.map((d) => `${ordinalAllowed ? r.ordinal ?? '' : ''}${d}`).join(',')}`)
    if (r.byMonth.length > 0) parts.push(`BYMONTH=${r.byMonth.join(',')}`)
    if (r.byMonthDay.length > 0 && r.freq !== 'WEEKLY') parts.push(`BYMONTHDAY=${r.byMonthDay.join(',')}`)
    if (r.byHour.length > 0) parts.push(`BYHOUR=${r.byHour.join(',')}`)
    const hasBy = parts.some((p) => p.startsWith('BY'))
    if (r.bySetPos !== undefined && hasBy) parts.push(`BYSETPOS=${r.bySetPos}`)
    return parts.join(';')
  })
