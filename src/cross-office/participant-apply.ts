/**
 * A participant office's side of two-phase commit, applied from its own log. hold.prepare checks
 * the office's attendees over every occurrence in the horizon and places holds whose fencing
 * token is the prepare's log index; hold.decide turns them into the meeting or releases them,
 * but only for a decision that carries the right token and a coordinator term not older than one
 * already heard. Refused messages change nothing but their counter.
 */
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import type { CalendarApplyContext } from '../calendar-service/calendar-apply-context.js'
import type { Interval } from '../calendar/intervals/interval-set.js'
import { compareLocalDateTime } from '../calendar/time/local-date-time.js'
import { formatInstantUtc } from '../calendar/time/time-zone.js'
import type { MeetingSpec, TimeConflict } from '../calendar-service/calendar-command.js'
import { calendarKeys, holdCodec } from '../calendar-service/calendar-keyspace.js'
import type { HoldRecord, MeetingRecord } from '../calendar-service/calendar-records.js'
import { listHolds, readMeeting, readUser } from '../calendar-service/calendar-store.js'
import { notify, type NotificationDraft } from '../calendar-service/calendar-outbox.js'
import { describeConflict } from '../calendar-service/calendar-apply.js'
import { writeMeeting } from '../calendar-service/meeting-booking.js'
import { cancellationNotice, cancelledMeeting, invitationNotice, invitees, movedMeeting, updateNotice } from '../calendar-service/meeting-changes.js'
import { meetingOccurrences, type MeetingShape } from '../calendar-service/meeting-occurrences.js'
import { findTimeConflicts } from '../calendar-service/time-blockers.js'
import {
  priorityOf,
  type DisplaceableHold,
  type FencingRejection,
  type ParticipantTx,
  type PreparedState,
  type PrepareVote,
  type TxIntent,
  type XofficeCommand,
  type XofficeResult,
} from './xoffice-command.js'
import { counterCodec, MARKER, participantTxCodec, xofficeKeys } from './xoffice-keyspace.js'
import { readCounter, readParticipantTx } from './xoffice-store.js'

type PrepareCommand = Extract<XofficeCommand, { kind: 'hold.prepare' }>
type DecideCommand = Extract<XofficeCommand, { kind: 'hold.decide' }>
type RenewCommand = Extract<XofficeCommand, { kind: 'hold.renew' }>

export async function applyPrepare(command: PrepareCommand, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<XofficeResult> {
  const existing = await readParticipantTx(tx, command.txId)
  if (existing !== null) return answerRepeatedPrepare(tx, existing, command)
  const office = ctx.office.officeId
  const base = { id: command.txId, highestTerm: command.coordinatorTerm }
  const refuse = (reason: string, conflicts: readonly TimeConflict[] = []): XofficeResult => {
    writeRecord(tx, { ...base, state: { kind: 'aborted', token: null } })
    return { kind: 'vote', vote: { vote: 'no', reason, conflicts }, displaceable: [] }
  }
  for (const user of [...command.local.required, ...command.local.optional]) {
    if ((await readUser(tx, user)) === null) return refuse(`user "${user}" is not in office ${office}`)
  }
  const claim = await timeClaimOf(tx, command.txId, command.intent, office)
  if (claim.kind === 'refused') return refuse(claim.reason)
  const token = ctx.index
  const leaseExpiresMs = ctx.atMs + command.leaseMs
  const heldUsers: string[] = []
  const warnings: TimeConflict[] = []
  if (claim.kind === 'time') {
    const check = (user: string) => findTimeConflicts(tx, { user, wanted: claim.intervals, atMs: ctx.atMs, ignoreMeetingId: claim.ignoreMeetingId })
    const conflicts: TimeConflict[] = []
    for (const user of command.local.required) conflicts.push(...(await check(user)))
    if (conflicts.length > 0 && !claim.override) {
      const displaceable = await displaceableHolds(tx, conflicts, claim.priority)
      // No record is written: once those holds are displaced, the same prepare is asked again.
      if (displaceable.length > 0) return { kind: 'vote', vote: { vote: 'no', reason: `attendees in office ${office} are held by lower-priority transactions`, conflicts }, displaceable }
      return refuse(`attendees in office ${office} are busy`, conflicts)
    }
    heldUsers.push(...command.local.required)
    const optionalConflicts: TimeConflict[] = []
    for (const user of command.local.optional) {
      const found = await check(user)
      optionalConflicts.push(...found)
      if (found.length === 0) heldUsers.push(user)
    }
    for (const user of heldUsers) {
      const hold: HoldRecord = { id: holdId(ctx, token), user, meetingId: command.txId, fencingToken: token, leaseExpiresMs, intervals: claim.intervals }
      tx.put(calendarKeys.hold(user, hold.id), holdCodec.encode(hold))
    }
    warnings.push(...conflicts, ...optionalConflicts)
  }
  const { coordinatorOffice, intent, local } = command
  writeRecord(tx, { ...base, state: { kind: 'prepared', token, leaseExpiresMs, leaseMs: command.leaseMs, coordinatorOffice, intent, local, heldUsers, warnings } })
  tx.put(xofficeKeys.prepared(command.txId), MARKER)
  return { kind: 'vote', vote: { vote: 'yes', token, leaseExpiresMs, warnings }, displaceable: [] }
}

/** The time a transaction takes in this office if it commits; a cancellation takes none. */
type TimeClaim =
  | { readonly kind: 'time'; readonly intervals: readonly Interval[]; readonly ignoreMeetingId: string | null; readonly override: boolean; readonly priority: number }
  | { readonly kind: 'none' }
  | { readonly kind: 'refused'; readonly reason: string }

async function timeClaimOf(tx: KeyspaceTransaction, txId: string, intent: TxIntent, office: string): Promise<TimeClaim> {
  const claim = (shape: MeetingShape, ignoreMeetingId: string | null, override: boolean, priority: number): TimeClaim => {
    const intervals = meetingOccurrences(shape).map((o) => ({ start: o.startMs, end: o.endMs }))
    if (intervals.length === 0) return { kind: 'refused', reason: 'the meeting has no occurrence within a year of its start' }
    return { kind: 'time', intervals, ignoreMeetingId, override, priority }
  }
  if (intent.kind === 'book') return claim(bookedShape(txId, intent.meeting), null, intent.override, intent.priority)
  const meeting = await readMeeting(tx, intent.meetingId)
  if (meeting === null) return { kind: 'refused', reason: `meeting "${intent.meetingId}" does not exist in office ${office}` }
  if (meeting.status === 'cancelled') return { kind: 'refused', reason: `meeting "${intent.meetingId}" is already cancelled in office ${office}` }
  if (intent.kind === 'move') return claim(movedMeeting(meeting, intent.change, intent.occurrence), meeting.id, intent.override, intent.priority)
  const occurrence = intent.occurrence
  if (occurrence !== null && meeting.cancelledOccurrences.some((c) => compareLocalDateTime(c, occurrence.originalStart) === 0)) {
    return { kind: 'refused', reason: `the ${formatInstantUtc(occurrence.startMs)} occurrence of meeting "${meeting.id}" is already cancelled in office ${office}` }
  }
  return { kind: 'none' }
}

/**
 * The transactions whose holds are all that blocks a prepare of higher priority, provided each is
 * still only prepared here (undecided); empty when anything else blocks (an event, a committed
 * meeting, a hold of equal or higher priority), since displacing would not free the time.
 */
async function displaceableHolds(tx: KeyspaceTransaction, conflicts: readonly TimeConflict[], priority: number): Promise<DisplaceableHold[]> {
  const found = new Map<string, DisplaceableHold>()
  for (const conflict of conflicts) {
    if (conflict.source !== 'hold') return []
    const hold = (await listHolds(tx, conflict.user)).find((h) => h.id === conflict.sourceId)
    const record = hold === undefined ? null : await readParticipantTx(tx, hold.meetingId)
    if (record === null || record.state.kind !== 'prepared') return []
    const holder = priorityOf(record.state.intent)
    if (holder >= priority) return []
    found.set(record.id, { txId: record.id, coordinatorOffice: record.state.coordinatorOffice, priority: holder })
  }
  return [...found.values()]
}

/** A prepare this office has seen before: a retry gets the same vote; an older coordinator is fenced. */
async function answerRepeatedPrepare(tx: KeyspaceTransaction, record: ParticipantTx, command: PrepareCommand): Promise<XofficeResult> {
  if (command.coordinatorTerm < record.highestTerm) {
    return fence(tx, 'staleTerm', `prepare of "${record.id}" from coordinator term ${command.coordinatorTerm}; term ${record.highestTerm} was already heard`)
  }
  writeRecord(tx, { ...record, highestTerm: command.coordinatorTerm })
  return { kind: 'vote', vote: voteOf(record), displaceable: [] }
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
      const notified = await applyIntent(tx, ctx, record.id, state)
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

/**
 * What a commit does in this office: the meeting record (every office keeps the whole record) and
 * the events of its own attendees, each change with its notice to its own invitees.
 */
async function applyIntent(tx: KeyspaceTransaction, ctx: CalendarApplyContext, txId: string, prepared: PreparedState): Promise<string[]> {
  const { intent } = prepared
  const local = [...prepared.local.required, ...prepared.local.optional]
  const save = async (meeting: MeetingRecord, notice: NotificationDraft): Promise<string[]> => {
    await writeMeeting(tx, meeting, local)
    return notify(tx, ctx, invitees(meeting).filter((u) => local.includes(u)), notice)
  }
  if (intent.kind === 'book') {
    const spec = intent.meeting
    const meeting: MeetingRecord = {
      ...bookedShape(txId, spec),
      organizer: spec.organizer,
      required: spec.required,
      optional: spec.optional,
      status: 'booked',
      responses: Object.fromEntries([[spec.organizer, 'accepted'], ...[...spec.required, ...spec.optional].map((u) => [u, 'needs-action'])]),
      warnings: prepared.warnings.map(describeConflict),
      version: 1,
      createdAtMs: ctx.atMs,
    }
    return save(meeting, invitationNotice(meeting))
  }
  // The prepare found the meeting booked, and the coordinator lets one change run at a time.
  const current = await readMeeting(tx, intent.meetingId)
  if (current === null || current.status === 'cancelled') return []
  if (intent.kind === 'cancel') {
    const meeting = cancelledMeeting(current, intent.occurrence)
    return save(meeting, cancellationNotice(meeting, intent.occurrence))
  }
  const meeting = { ...movedMeeting(current, intent.change, intent.occurrence), warnings: prepared.warnings.map(describeConflict) }
  return save(meeting, updateNotice(meeting, intent.occurrence))
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

function bookedShape(id: string, spec: MeetingSpec): MeetingShape {
  return { id, title: spec.title, zone: spec.zone, start: spec.start, durationMinutes: spec.durationMinutes, lines: spec.lines, cancelledOccurrences: [], movedOccurrences: [] }
}

