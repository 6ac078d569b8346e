/** A calendar state machine on a real LevelDB in a test directory, and entries to feed it. */
import type { Test } from 'tap'
import type { Entry } from '../../raft/types.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import type { CalendarCommand, CalendarResult } from '../../src/calendar-service/calendar-command.js'
import { officeCalendarSettings } from '../../src/calendar-service/office-calendar-settings.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import { encodeProposal, type OfficeOutcome } from '../../src/office/office-command.js'
import { OfficeStateMachine } from '../../src/office/office-state-machine.js'

export const NYC = officeCalendarSettings(
  parseClusterConfig(
    {
      clusterId: 'c',
      offices: [
        {
          id: 'nyc',
          name: 'New York',
          timeZone: 'America/New_York',
          workHours: { start: '09:00', end: '17:00' },
          workDays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
          lunch: { start: '12:00', end: '13:00' },
          holidays: [{ date: '2026-07-03', name: 'Independence Day (observed)' }],
          replicas: [{ id: 'nyc-1', host: '127.0.0.1', port: 7101 }],
        },
      ],
    },
    'test',
  ).config.offices[0]!,
)

export async function openCalendarMachine(t: Test, dir: string = t.testdir()): Promise<{ machine: OfficeStateMachine; notified: string[][] }> {
  const db = await ReplicaDb.open(dir, { clusterId: 'c', replicaId: 'r' })
  t.teardown(() => db.close())
  const notified: string[][] = []
  const machine = new OfficeStateMachine(await StateMachineStore.open(db), { office: NYC, onNotified: (users) => notified.push([...users].sort()) })
  return { machine, notified }
}

/** Builds consecutive log entries from index `first`, all proposed at `atMs`. */
export class EntryLog {
  private next: number
  constructor(
    first = 1,
    private readonly atMs = Date.UTC(2026, 0, 5),
  ) {
    this.next = first
  }

  entry(command: CalendarCommand, requestId = `req-${this.next}`): Entry {
    const index = this.next++
    return { kind: 'command', term: 1, index, data: encodeProposal({ requestId, command: { kind: 'calendar', command }, atMs: this.atMs }) }
  }
}

export function calendarResult(outcome: OfficeOutcome | null | undefined): CalendarResult {
  if (!outcome?.ok || outcome.result.kind !== 'calendar') throw new Error(`expected a calendar result, got ${JSON.stringify(outcome)}`)
  return outcome.result.result
}

export function local(text: string) {
  const [date, time = '00:00'] = text.split('T') as [string, string?]
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const [hour, minute] = time.split(':').map(Number) as [number, number]
  return { year, month, day, hour, minute, second: 0 }
}

export const user = (id: string, zone = 'America/New_York'): CalendarCommand => ({ kind: 'user.add', user: { id, schedule: { zone } } })

export function meeting(organizer: string, required: string[], start: string, durationMinutes = 60, lines: string[] = [], override = false): CalendarCommand {
  return {
    kind: 'meeting.book',
    meeting: { organizer, required, optional: [], title: 'sync', zone: 'America/New_York', start: local(start), durationMinutes, lines },
    override,
  }
}

export function event(userId: string, start: string, durationMinutes: number, lines: string[] = []): CalendarCommand {
  return {
    kind: 'event.add',
    user: userId,
    event: {
      title: 'focus',
      zone: 'America/New_York',
      timing: { kind: 'timed', start: local(start), durationMinutes },
      transparency: 'busy',
      recurrence: lines.length === 0 ? null : { lines, exceptions: [] },
    },
  }
}
