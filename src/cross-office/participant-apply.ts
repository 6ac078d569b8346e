/**
 * A participant office's side of two-phase commit, applied from its own log. hold.prepare checks
 * the office's attendees over every occurrence in the horizon and places holds whose fencing
 * token is the prepare's log index; hold.decide turns them into the meeting or releases them,
 * but only for a decision that carries the right token and a coordinator term not older than one
 * already heard. Refused messages change nothing but their counter.
 */
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import type { CalendarApplyContext } from '../calendar-service/calendar-apply-context.js'
import type { MeetingSpec, TimeConflict } from '../calendar-service/calendar-command.js'
import { calendarKeys, holdCodec, meetingCodec } from '../calendar-service/calendar-keyspace.js'
import type { HoldRecord, MeetingRecord } from '../calendar-service/calendar-records.js'
import { readUser } from '../calendar-service/calendar-store.js'
import { notify } from '../calendar-service/calendar-outbox.js'
import { describeConflict } from '../calendar-service/calendar-apply.js'
import { writeAttendeeEvent } from '../calendar-service/meeting-booking.js'
import { meetingOccurrences } from '../calendar-service/meeting-occurrences.js'
import { findTimeConflicts } from '../calendar-service/time-blockers.js'
import type { FencingRejection, ParticipantTx, PreparedState, PrepareVote, XofficeCommand, XofficeResult } from './xoffice-command.js'
import { counterCodec, MARKER, participantTxCodec, xofficeKeys } from './xoffice-keyspace.js'
import { readCounter, readParticipantTx } from './xoffice-store.js'

type PrepareCommand = Extract<XofficeCommand, { kind: 'hold.prepare' }>
type DecideCommand = Extract<XofficeCommand, { kind: 'hold.decide' }>
type RenewCommand = Extract<XofficeCommand, { kind: 'hold.renew' }>

export async function applyPrepare(command: PrepareCommand, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<XofficeResult> {
  const existing = await readParticipantTx(tx, command.txId)
  if (existing !== null) return answerRepeatedPrepare(tx, existing, command)
  const base = { id: command.txId, highestTerm: command.coordinatorTerm }
  const refuse = (reason: string, conflicts: readonly TimeConflict[]): XofficeResult => {
    writeRecord(tx, { ...base, state: { kind: 'aborted', token: null } })
    return { kind: 'vote', vote: { vote: 'no', reason, conflicts } }
  }
  for (const user of [...command.local.required, ...command.local.optional]) {
    if ((await readUser(tx, user)) === null) return refuse(`user "${user}" is not in office ${ctx.office.officeId}`, [])
  }
  const intervals = meetingOccurrences(meetingShape(command.txId, command.meeting)).map((o) => ({ start: o.startMs, end: o.endMs }))
  if (intervals.length === 0) return refuse('the meeting has no occurrence within a year of its start', [])
  const check = (user: string) => findTimeConflicts(tx, { user, wanted: intervals, atMs: ctx.atMs, ignoreMeetingId: null })
  const conflicts: TimeConflict[] = []
  for (const user of command.local.required) conflicts.push(...(await check(user)))
  if (conflicts.length > 0 && !command.override) return refuse(`attendees in office ${ctx.office.officeId} are busy`, conflicts)
  const optionalConflicts: TimeConflict[] = []
  const heldUsers = [...command.local.required]
  for (const user of command.local.optional) {
    const found = await check(user)
    optionalConflicts.push(...found)
    if (found.length === 0) heldUsers.push(user)
  }
  const token = ctx.index
  const leaseExpiresMs = ctx.atMs + command.leaseMs
  for (const user of heldUsers) {
    const hold: HoldRecord = { id: holdId(ctx, token), user, meetingId: command.txId, fencingToken: token, leaseExpiresMs, intervals }
    tx.put(calendarKeys.hold(user, hold.id), holdCodec.encode(hold))
  }
  const warnings = [...conflicts, ...optionalConflicts]
  const { coordinatorOffice, meeting, local } = command
  writeRecord(tx, { ...base, state: { kind: 'prepared', token, leaseExpiresMs, leaseMs: command.leaseMs, coordinatorOffice, meeting, local, heldUsers, warnings } })
  tx.put(xofficeKeys.prepared(command.txId), MARKER)
  return { kind: 'vote', vote: { vote: 'yes', token, leaseExpiresMs, warnings } }
}

/** A prepare this office has seen before: a retry gets the same vote; an older coordinator is fenced. */
async function answerRepeatedPrepare(tx: KeyspaceTransaction, record: ParticipantTx, command: PrepareCommand): Promise<XofficeResult> {
  if (command.coordinatorTerm < record.highestTerm) {
    return fence(tx, 'staleTerm', `prepare of "${record.id}" from coordinator term ${command.coordinatorTerm}; term ${record.highestTerm} was already heard`)
  }
  writeRecord(tx, { ...record, highestTerm: command.coordinatorTerm })
  return { kind: 'vote', vote: voteOf(record) }
}

function voteOf(record: ParticipantTx): PrepareVote {
  switch (record.state.kind) {
    case 'prepared':
      return { vote: 'yes', token: record.state.token, leaseExpiresMs: record.state.leaseExpiresMs, warnings: record.state.warnings }
    case 'committed':
      return { vote: 'yes', token: record.state.token, leaseExpiresMs: 0, warnings: [] }
    case 'aborted':
      return { vote: 'no', reason: `transaction "${record.id}" is already aborted in this office`, conflicts: [] }
  }
}

export async function applyDecide(command: DecideCommand, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<XofficeResult> {
  const record = await readParticipantTx(tx, command.txId)
  if (record === null) {
    if (command.decision === 'commit') return fence(tx, 'notPrepared', `commit of "${command.txId}", which was never prepared in office ${ctx.office.officeId}`)
    // A tombstone: a prepare of this transaction arriving late (from an older term) must not hold time.
    writeRecord(tx, { id: command.txId, highestTerm: command.coordinatorTerm, state: { kind: 'aborted', token: null } })
    return { kind: 'decided', state: 'aborted', notified: [] }
  }
  if (command.coordinatorTerm < record.highestTerm) {
    return fence(tx, 'staleTerm', `${command.decision} of "${record.id}" from coordinator term ${command.coordinatorTerm}; term ${record.highestTerm} was already heard`)
  }
  const token = record.state.token
  if (command.token !== null ? command.token !== token : command.decision === 'commit') {
    return fence(tx, 'staleToken', `${command.decision} of "${record.id}" with token ${command.token ?? 'none'}; this office holds token ${token ?? 'none'}`)
  }
  const state = record.state
  switch (state.kind) {
    case 'committed':
    case 'aborted': {
      const same = (state.kind === 'committed') === (command.decision === 'commit')
      if (!same) return fence(tx, 'conflictingDecision', `${command.decision} of "${record.id}", which is already ${state.kind} in this office`)
      writeRecord(tx, { ...record, highestTerm: command.coordinatorTerm })
      return { kind: 'decided', state: state.kind, notified: [] }
    }
    case 'prepared': {
      releaseHolds(tx, ctx, state)
      tx.del(xofficeKeys.prepared(record.id))
      const term = command.coordinatorTerm
      if (command.decision === 'abort') {
        writeRecord(tx, { ...record, highestTerm: term, state: { kind: 'aborted', token: state.token } })
        return { kind: 'decided', state: 'aborted', notified: [] }
      }
      writeRecord(tx, { ...record, highestTerm: term, state: { kind: 'committed', token: state.token } })
      const notified = await writeLocalMeeting(tx, ctx, record.id, state)
      return { kind: 'decided', state: 'committed', notified }
    }
  }
}

/** Extends a prepared hold's lease from this entry's time; a decided transaction has nothing to renew. */
export async function applyRenew(command: RenewCommand, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<XofficeResult> {
  const record = await readParticipantTx(tx, command.txId)
  const state = record?.state
  if (record === null || state?.kind !== 'prepared' || state.token !== command.token) return { kind: 'renewed', leaseExpiresMs: null }
  const leaseExpiresMs = Math.max(state.leaseExpiresMs, ctx.atMs + state.leaseMs)
  for (const user of state.heldUsers) {
    const key = calendarKeys.hold(user, holdId(ctx, state.token))
    const hold = await tx.get(key)
    if (hold !== undefined) tx.put(key, holdCodec.encode({ ...holdCodec.decode(hold), leaseExpiresMs }))
  }
  writeRecord(tx, { ...record, state: { ...state, leaseExpiresMs } })
  return { kind: 'renewed', leaseExpiresMs }
}

/** The meeting as this office keeps it: the full record, events for its own attendees only. */
async function writeLocalMeeting(tx: KeyspaceTransaction, ctx: CalendarApplyContext, id: string, prepared: PreparedState): Promise<string[]> {
  const spec = prepared.meeting
  const meeting: MeetingRecord = {
    ...meetingShape(id, spec),
    organizer: spec.organizer,
    required: spec.required,
    optional: spec.optional,
    status: 'booked',
    responses: Object.fromEntries([[spec.organizer, 'accepted'], ...[...spec.required, ...spec.optional].map((u) => [u, 'needs-action'])]),
    warnings: prepared.warnings.map(describeConflict),
    version: 1,
    createdAtMs: ctx.atMs,
  }
  tx.put(calendarKeys.meeting(meeting.id), meetingCodec.encode(meeting))
  const local = [...prepared.local.required, ...prepared.local.optional]
  for (const user of local) await writeAttendeeEvent(tx, meeting, user)
  const invitees = local.filter((u) => u !== spec.organizer)
  return notify(tx, ctx, invitees, { kind: 'invited', meetingId: meeting.id, by: spec.organizer, message: `${spec.organizer} invited you to "${spec.title}"` })
}

function releaseHolds(tx: KeyspaceTransaction, ctx: CalendarApplyContext, prepared: PreparedState): void {
  for (const user of prepared.heldUsers) tx.del(calendarKeys.hold(user, holdId(ctx, prepared.token)))
}

function holdId(ctx: CalendarApplyContext, token: number): string {
  return `hold-${ctx.office.officeId}-${token}`
}

async function fence(tx: KeyspaceTransaction, rejection: FencingRejection, message: string): Promise<XofficeResult> {
  tx.put(xofficeKeys.counter(rejection), counterCodec.encode((await readCounter(tx, rejection)) + 1))
  return { kind: 'fenced', rejection, message }
}

function writeRecord(tx: KeyspaceTransaction, record: ParticipantTx): void {
  tx.put(xofficeKeys.part(record.id), participantTxCodec.encode(record))
}

function meetingShape(id: string, spec: MeetingSpec) {
  return { id, title: spec.title, zone: spec.zone, start: spec.start, durationMinutes: spec.durationMinutes, lines: spec.lines, cancelledOccurrences: [] }
}

