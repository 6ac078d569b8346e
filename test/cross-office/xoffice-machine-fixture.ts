/** Cross-office log entries for a calendar state machine fed by an EntryLog, and their results. */
import type { Entry } from '../../raft/types.js'
import type { XofficeCommand, XofficeResult } from '../../src/cross-office/xoffice-command.js'
import { encodeProposal, type OfficeOutcome } from '../../src/office/office-command.js'
import type { EntryLog } from '../calendar-service/calendar-machine-fixture.js'

export const AT = Date.UTC(2026, 0, 5)

/** Cross-office entries share the index sequence of a calendar EntryLog (its entry is re-labelled). */
export class XLog {
  constructor(private readonly calendar: EntryLog) {}
  entry(command: XofficeCommand, atMs = AT): Entry {
    const probe = this.calendar.entry({ kind: 'user.add', user: { id: 'unused', schedule: { zone: 'UTC' } } })
    return { kind: 'command', term: probe.term, index: probe.index, data: encodeProposal({ requestId: `x-${probe.index}`, command: { kind: 'xoffice', command }, atMs }) }
  }
}

export function xresult(outcome: OfficeOutcome | null | undefined): XofficeResult {
  if (!outcome?.ok || outcome.result.kind !== 'xoffice') throw new Error(`expected a cross-office result, got ${JSON.stringify(outcome)}`)
  return outcome.result.result
}
