/** iCalendar (RFC 5545) import and export of the calendar domain's events; other layers import from here. */
export type { ExportContext } from './export-context.js'
export { exportCalendar, exportMeeting, type MeetingForExport } from './calendar-export.js'
export { exportFreeBusy, type FreeBusyForExport } from './freebusy-export.js'
export { importCalendar, DEFAULT_MAX_CHARS, DEFAULT_MAX_COMPONENTS, type ImportOptions, type ImportResult } from './calendar-import.js'
export type { ImportWarning } from './import-warnings.js'
export type { IcalIdentity } from './import-identity.js'
