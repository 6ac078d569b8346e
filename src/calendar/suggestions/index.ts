/** Meeting-time suggestions and conflict reports; other layers import from here. */
export { findMeetingSlots } from './find-meeting-slots.js'
export type { MeetingSuggestion, SeriesSummary, SuggestionResult } from './find-meeting-slots.js'
export { conflictReport } from './conflict-report.js'
export type { ConflictReport, ProposedMeeting } from './conflict-report.js'
export type { AttendeeCalendar, AttendeeRole, MeetingRecurrence, MeetingRequestInput } from './meeting-request.js'
export type { AttendeeStatus, AttendeeVerdict, UnavailabilityReason } from './attendee-verdict.js'
export type { SlotScore } from './slot-scoring.js'
