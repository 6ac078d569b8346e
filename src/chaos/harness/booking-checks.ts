/**
 * Checks of the booking workload over every person's final agenda (read linearizably after
 * quiescence): no person holds two overlapping confirmed meetings (the workload never overrides
 * a conflict, so any overlap is a double booking, and a meeting applied twice shows as one), and
 * every acknowledged booking is in the agenda of every one of its participants whose agenda was read.
 */
import type { AgendaResult } from '../../calendar-service/calendar-api.js'
import type { CheckFindings } from './chaos-checks.js'

export interface AgendaMeeting {
  readonly meetingId: string
  readonly startMs: number
  readonly endMs: number
}

/** The meetings that block a person's time in an agenda read (free-time entries do not). */
export function blockingMeetings(agenda: AgendaResult): AgendaMeeting[] {
  return agenda.events.flatMap((event) =>
    event.meetingId === null || event.transparency === 'free' ? [] : [{ meetingId: event.meetingId, startMs: Date.parse(event.start), endMs: Date.parse(event.end) }],
  )
}

export interface AcknowledgedBooking {
  readonly id: string
  readonly participants: readonly string[]
}

export function checkBookings(agendas: ReadonlyMap<string, readonly AgendaMeeting[]>, booked: readonly AcknowledgedBooking[]): CheckFindings {
  const problems: string[] = []
  let doubleBookings = 0
  for (const [person, meetings] of agendas) {
    const sorted = [...meetings].sort((a, b) => a.startMs - b.startMs)
    sorted.forEach((meeting, index) => {
      for (const later of sorted.slice(index + 1)) {
        if (later.startMs >= meeting.endMs) break
        doubleBookings++
        problems.push(
          later.meetingId === meeting.meetingId
            ? `${person} holds meeting ${meeting.meetingId} twice at ${new Date(meeting.startMs).toISOString()}`
            : `${person} is double-booked: ${meeting.meetingId} and ${later.meetingId} overlap at ${new Date(later.startMs).toISOString()}`,
        )
      }
    })
  }
  let lost = 0
  for (const booking of booked) {
    for (const person of booking.participants) {
      // A person whose agenda could not be read is not judged (the run fails as not quiesced instead).
      const agenda = agendas.get(person)
      if (agenda === undefined || agenda.some((meeting) => meeting.meetingId === booking.id)) continue
      lost++
      problems.push(`acknowledged booking ${booking.id} is missing from ${person}'s agenda`)
    }
  }
  return { doubleBookings, lostAcknowledgedWrites: lost, problems }
}
