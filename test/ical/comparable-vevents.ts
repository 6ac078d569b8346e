/**
 * The VEVENTs of an .ics export as comparable text: unfolded, without what names or stamps one
 * copy (UID, DTSTAMP, meeting id), sorted. Two exports of the same calendar compare equal.
 */
export function comparableEvents(ics: string): string[] {
  const events: string[] = []
  let current: string[] | null = null
  for (const line of ics.replace(/\r\n[ \t]/g, '').split('\r\n')) {
    if (line === 'BEGIN:VEVENT') current = []
    else if (line === 'END:VEVENT' && current !== null) {
      events.push(current.join('\n'))
      current = null
    } else if (current !== null && !/^(UID|DTSTAMP|X-DMS-MEETING-ID)[:;]/.test(line)) current.push(line)
  }
  return events.sort()
}
