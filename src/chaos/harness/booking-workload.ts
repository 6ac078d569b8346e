/**
 * The single-office booking workload: in each office, a few people and concurrent organizers
 * booking meetings with one or two colleagues on a small grid of slots in one week, so bookings
 * race for the same people and times. No booking overrides a conflict. After quiescence every
 * person's agenda is read linearizably and checked for double bookings and lost bookings.
 * (Cross-office bookings, cancellations and moves are the `xoffice` workload's.)
 */
import type { ClusterClient } from '../../client/cluster-client.js'
import type { OfficeMethods } from '../../office/office-api.js'
import type { Random } from '../seeded-random.js'
import { failedCallOutcome } from './call-outcome.js'
import { blockingMeetings, checkBookings, type AcknowledgedBooking, type AgendaMeeting } from './booking-checks.js'
import type { CheckFindings } from './chaos-checks.js'
import type { AcknowledgedWrite, ChaosWorkload, OpCounts } from './chaos-workload.js'
import { addWorkloadPeople } from './workload-people.js'

export type BookingCaller = Pick<ClusterClient<OfficeMethods>, 'call'>

export interface BookingWorkloadOptions {
  readonly offices: ReadonlyArray<{ readonly id: string; readonly timeZone: string }>
  readonly clientFor: (office: string) => BookingCaller
  readonly organizersPerOffice: number
  readonly peoplePerOffice: number
  readonly random: Random
  readonly now: () => number
}

/** A working week far enough ahead that no run reaches it; slots avoid the 12:00-13:00 lunch. */
const DAYS = ['2030-01-07', '2030-01-08', '2030-01-09', '2030-01-10', '2030-01-11']
const SLOTS = ['09:00', '09:30', '10:00', '10:30', '11:00', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30']
const WINDOW = { from: '2030-01-06T00:00:00Z', to: '2030-01-13T00:00:00Z' }

type Outcome = 'booked' | 'conflict' | 'fail' | 'info'

export class BookingWorkload implements ChaosWorkload {
  readonly name = 'bookings'
  readonly exercises = ['doubleBookings', 'lostAcknowledgedWrites'] as const
  private readonly outcomes: Array<{ readonly office: string; readonly outcome: Outcome; readonly returnedAtMs: number }> = []
  private readonly booked: AcknowledgedBooking[] = []
  private readonly agendas = new Map<string, AgendaMeeting[]>()
  private readonly unread: string[] = []
  private running = false
  private organizers: Array<Promise<void>> = []

  constructor(private readonly options: BookingWorkloadOptions) {}

  /** Adds the workload's people; call once the offices have leaders, before `start`. */
  async prepare(): Promise<void> {
    for (const office of this.options.offices) {
      await addWorkloadPeople(this.options.clientFor(office.id), this.name, office.id, office.timeZone, this.people(office.id))
    }
  }

  start(): void {
    this.running = true
    this.organizers = this.options.offices.flatMap((office) =>
      Array.from({ length: this.options.organizersPerOffice }, () => this.runOrganizer(office.id, office.timeZone)),
    )
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.organizers)
  }

  async settle(): Promise<void> {
    for (const office of this.options.offices) {
      const client = this.options.clientFor(office.id)
      for (const person of this.people(office.id)) {
        try {
          const agenda = await client.call('calendar.agenda', { user: person, ...WINDOW })
          this.agendas.set(person, blockingMeetings(agenda))
        } catch {
          this.unread.push(person)
        }
      }
    }
  }

  counts(): OpCounts {
    const count = (...kinds: Outcome[]) => this.outcomes.filter((entry) => kinds.includes(entry.outcome)).length
    return { attempted: this.outcomes.length, acknowledged: count('booked', 'conflict'), failed: count('fail'), indeterminate: count('info') }
  }

  completions(): ReadonlyArray<AcknowledgedWrite & { readonly write: boolean }> {
    return this.outcomes.flatMap((entry) =>
      entry.outcome === 'booked' || entry.outcome === 'conflict' ? [{ office: entry.office, returnedAtMs: entry.returnedAtMs, write: entry.outcome === 'booked' }] : [],
    )
  }

  async check(): Promise<CheckFindings> {
    const findings = checkBookings(this.agendas, this.booked)
    if (this.unread.length === 0) return findings
    return {
      ...findings,
      quiesced: false,
      problems: [...(findings.problems ?? []), `agendas could not be read after quiescence for ${this.unread.join(', ')}`],
    }
  }

  private people(office: string): string[] {
    return Array.from({ length: this.options.peoplePerOffice }, (_, index) => `${office}-p${index}`)
  }

  private async runOrganizer(office: string, timeZone: string): Promise<void> {
    const { random } = this.options
    const client = this.options.clientFor(office)
    const people = this.people(office)
    while (this.running) {
      const [organizer, ...others] = random.shuffle(people)
      const attendees = others.slice(0, random.int(1, 2))
      const start = `${random.pick(DAYS)}T${random.pick(SLOTS)}`
      const durationMinutes = random.pick([30, 60])
      let outcome: Outcome
      try {
        const result = await client.call('meeting.book', { organizer: organizer as string, attendees, start, durationMinutes, tz: timeZone, title: 'chaos' })
        outcome = result.status
        if (result.status === 'booked') this.booked.push({ id: result.id, participants: [organizer as string, ...attendees] })
      } catch (error) {
        outcome = failedCallOutcome(error)
      }
      this.outcomes.push({ office, outcome, returnedAtMs: this.options.now() })
    }
  }
}
