/**
 * A cross-office booking's answer in the shape of a one-office booking, so the client library and
 * the CLI print both alike. An abort without conflicts (an office did not answer) is not a
 * conflict: it becomes an error that names why, and the booking may be retried.
 */
import type { BookingResult } from '../calendar-service/calendar-api.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { CrossOfficeBookingResult } from './xoffice-api.js'

export function asBookingResult(result: CrossOfficeBookingResult, attendees: { organizer: string; attendees: readonly string[]; optional?: readonly string[] | undefined }): BookingResult {
  switch (result.status) {
    case 'booked':
      // Every office notifies its own invitees when the commit reaches it: all but the organizer.
      return { id: result.id, status: 'booked', version: 1, warnings: result.warnings, conflicts: result.conflicts, notified: [...attendees.attendees, ...(attendees.optional ?? [])].filter((u) => u !== attendees.organizer) }
    case 'conflict':
      return { id: null, status: 'conflict', conflicts: result.conflicts }
    case 'aborted':
      throw RpcError.of('UNAVAILABLE', `not booked (transaction ${result.transaction} aborted): ${result.reason}`, { transaction: result.transaction })
  }
}
