/**
 * The client-facing cross-office methods on the meeting's office: booking, cancelling (the whole
 * series or one occurrence) and moving a meeting. Parameters are resolved against this office's
 * records, the change runs as one two-phase-commit transaction over every office with attendees,
 * and the answer has the shape of the one-office method's. A meeting that lives in this office
 * only (booked without 2PC) is changed with the one-office command instead.
 */
import { createHash } from 'node:crypto'
import { describeConflict } from '../calendar-service/calendar-apply.js'
import { CalendarRejectionError, type CalendarCommand, type CalendarResult } from '../calendar-service/calendar-command.js'
import type { MeetingRecord } from '../calendar-service/calendar-records.js'
import { instantOf, resolveMeetingSpec, resolveMeetingUpdate } from '../calendar-service/calendar-request-resolution.js'
import { readMeeting, readUser } from '../calendar-service/calendar-store.js'
import { bookingResult, cancelResult, conflictView, meetingView } from '../calendar-service/calendar-views.js'
import type { MeetingView } from '../calendar-service/calendar-api.js'
import { attendeesOf } from '../calendar-service/meeting-booking.js'
import { findOccurrence, invitees, resolveTimeChange } from '../calendar-service/meeting-changes.js'
import { MAX_REQUEST_ID_LENGTH } from '../rpc/client-protocol.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { CrossOfficeCoordinator } from './coordinator.js'
import type { CrossOfficeDeps } from './cross-office-deps.js'
import type { CrossOfficeBookingResult, CrossOfficeCancelResult, CrossOfficeMethods, CrossOfficeMoveResult } from './xoffice-api.js'
import { DEFAULT_PRIORITY, type CoordinatorTx, type OfficeAttendance, type TxDecision } from './xoffice-command.js'
import { pendingMeetingTransaction, readCoordinatorTx } from './xoffice-store.js'

/** How long a change waits for the meeting's previous change to reach every office, and how often it looks. */
const PENDING_CHANGE_WAIT_MS = 10_000
const PENDING_CHANGE_POLL_MS = 20

type Params<K extends 'xoffice.book' | 'xoffice.cancel' | 'xoffice.move' | 'xoffice.respond' | 'xoffice.recordResponse'> = CrossOfficeMethods[K]['params']

export interface MeetingTransactionDeps extends Pick<CrossOfficeDeps, 'officeId' | 'store' | 'now' | 'office'> {
  /** Proposes a one-office calendar command through this office's log. */
  readonly proposeCalendar: (command: CalendarCommand, requestId: string, signal: AbortSignal) => Promise<CalendarResult>
}

export class MeetingTransactions {
  constructor(
    private readonly deps: MeetingTransactionDeps,
    private readonly coordinator: CrossOfficeCoordinator,
  ) {}

  async book(params: Params<'xoffice.book'>, requestId: string, signal: AbortSignal): Promise<CrossOfficeBookingResult> {
    const organizer = await readUser(this.deps.store, params.organizer)
    if (organizer === null) {
      throw RpcError.of('NOT_FOUND', `organizer: user "${params.organizer}" is not in office ${this.deps.officeId}; book through the organizer's office`)
    }
    const meeting = resolveMeetingSpec(params, organizer.schedule.zone)
    const participants = await this.coordinator.locate(meeting)
    const intent = { kind: 'book' as const, meeting, override: params.override === true, priority: params.priority ?? DEFAULT_PRIORITY }
    const tx = await this.coordinator.run(intent, participants, requestId, signal)
    const decision = decisionOf(tx)
    if (decision.kind === 'commit') return { id: tx.id, status: 'booked', warnings: decision.warnings.map(describeConflict), conflicts: decision.warnings.map(conflictView) }
    if (decision.conflicts.length > 0) return { id: null, transaction: tx.id, status: 'conflict', reason: decision.reason, conflicts: decision.conflicts.map(conflictView) }
    return { id: null, transaction: tx.id, status: 'aborted', reason: decision.reason, conflicts: [] }
  }

  /** Cancels the meeting in every office or in none; each office notifies its own invitees. */
  async cancel(params: Params<'xoffice.cancel'>, requestId: string, signal: AbortSignal): Promise<CrossOfficeCancelResult> {
    const meeting = await this.requireMeeting(params.id, signal)
    const occurrenceStartMs = params.occurrence === undefined ? null : instantOf(params.occurrence, meeting.zone, 'occurrence')
    const participants = await this.participantsOf(meeting)
    const expectedVersion = params.expectedVersion ?? null
    if (participants === null) {
      const result = await this.deps.proposeCalendar({ kind: 'meeting.cancel', meetingId: meeting.id, occurrenceStartMs, expectedVersion }, requestId, signal)
      if (result.kind !== 'meeting') throw RpcError.of('INTERNAL', `xoffice.cancel: expected a meeting result, got ${result.kind}`)
      return { ...cancelResult(result.meeting, occurrenceStartMs, result.notified), transaction: null }
    }
    requireChangeable(meeting, expectedVersion)
    const occurrence = occurrenceStartMs === null ? null : asRpcError(() => findOccurrence(meeting, occurrenceStartMs))
    await this.afterPendingChange(meeting.id, signal)
    const tx = await this.coordinator.run({ kind: 'cancel', meetingId: meeting.id, occurrence }, participants, requestId, signal)
    const decision = decisionOf(tx)
    if (decision.kind === 'abort') throw aborted('cancelled', tx, decision)
    // Every office notifies its own invitees when the commit reaches it.
    return { ...cancelResult({ ...meeting, version: meeting.version + 1 }, occurrenceStartMs, invitees(meeting)), transaction: tx.id }
  }

  /** Moves the meeting, or one occurrence (new start, length or title), in every office or in none. */
  async move(params: Params<'xoffice.move'>, requestId: string, signal: AbortSignal): Promise<CrossOfficeMoveResult> {
    const meeting = await this.requireMeeting(params.id, signal)
    const requested = resolveMeetingUpdate(params, meeting.zone)
    const participants = await this.participantsOf(meeting)
    const expectedVersion = params.expectedVersion ?? null
    const override = params.override === true
    if (participants === null) {
      const result = await this.deps.proposeCalendar({ kind: 'meeting.update', meetingId: meeting.id, ...requested, expectedVersion, override }, requestId, signal)
      if (result.kind !== 'booking') throw RpcError.of('INTERNAL', `xoffice.move: expected a booking result, got ${result.kind}`)
      return { ...bookingResult(result.outcome), transaction: null }
    }
    requireChangeable(meeting, expectedVersion)
    const { occurrenceStartMs } = requested
    const occurrence = occurrenceStartMs === null ? null : asRpcError(() => findOccurrence(meeting, occurrenceStartMs))
    const change = resolveTimeChange(meeting, occurrence, requested)
    const intent = { kind: 'move' as const, meetingId: meeting.id, occurrence, change, override, priority: params.priority ?? DEFAULT_PRIORITY }
    await this.afterPendingChange(meeting.id, signal)
    const tx = await this.coordinator.run(intent, participants, requestId, signal)
    const decision = decisionOf(tx)
    if (decision.kind === 'commit') {
      const warnings = decision.warnings
      return { id: meeting.id, status: 'booked', version: meeting.version + 1, warnings: warnings.map(describeConflict), conflicts: warnings.map(conflictView), notified: invitees(meeting), transaction: tx.id }
    }
    if (decision.conflicts.length === 0) throw aborted('moved', tx, decision)
    return { id: null, status: 'conflict', conflicts: decision.conflicts.map(conflictView), transaction: tx.id }
  }

  /**
   * An attendee's answer, taken by any office holding the meeting (the client library sends it to
   * the attendee's own office, which holds a copy): recorded and stamped here first (AnswerStamp),
   * then with that stamp in every other office holding it (the office that booked it and every
   * attendee's office, placed as the directory says now), and answered once all have it. No 2PC:
   * an answer checks nothing and conflicts with nothing; the stamp makes two answers crossing on
   * their way leave every copy with the later one. Each office's write is one Raft command
   * deduplicated by a request id derived from the caller's (a retry gets the first stamp back), so
   * the client's retry after a failure (a leader killed, an office unreachable) completes what is
   * missing and repeats nothing.
   */
  async respond(params: Params<'xoffice.respond'>, requestId: string, signal: AbortSignal): Promise<MeetingView> {
    const meeting = await this.requireMeeting(params.id, signal)
    if (!attendeesOf(meeting).includes(params.user)) fail('BAD_REQUEST', `user: "${params.user}" is not invited to meeting "${meeting.id}"`)
    const offices = new Set([bookingOffice(meeting.id), ...(await this.coordinator.locate(meeting)).map((p) => p.office)])
    offices.delete(this.deps.officeId)
    const here = await this.recordAnswer(params, requestId, signal)
    const stamp = here.answerStamps?.[params.user]
    if (stamp === undefined) throw RpcError.of('INTERNAL', `xoffice.respond: the answer of "${params.user}" to meeting "${meeting.id}" was recorded without a stamp`)
    const stamped = { ...params, stamp }
    await Promise.all([...offices].map((office) => this.deps.office(office).call('xoffice.recordResponse', stamped, { requestId: recordingRequestId(requestId, office) })))
    return meetingView(here)
  }

  /** The answer in this office's copy of the meeting (and the attendee's event, when they live here), if newer than the one it has. */
  async recordResponse(params: Params<'xoffice.recordResponse'>, requestId: string, signal: AbortSignal): Promise<MeetingView> {
    return meetingView(await this.recordAnswer(params, requestId, signal))
  }

  private async recordAnswer(params: Params<'xoffice.recordResponse'>, requestId: string, signal: AbortSignal): Promise<MeetingRecord> {
    const { id, user, response, stamp } = params
    const result = await this.deps.proposeCalendar({ kind: 'meeting.respond', meetingId: id, user, response, ...(stamp === undefined ? {} : { stamp }) }, requestId, signal)
    if (result.kind !== 'meeting') throw RpcError.of('INTERNAL', `xoffice.recordResponse: expected a meeting result, got ${result.kind}`)
    return result.meeting
  }

  /**
   * A meeting takes one change at a time (DESIGN 6.6): a change asked for right after another is
   * answered waits here until the earlier one reached every office, instead of being refused. If
   * it is still pending after the wait, tx.begin refuses with a message naming it.
   */
  private async afterPendingChange(meetingId: string, signal: AbortSignal): Promise<void> {
    const deadline = this.deps.now() + PENDING_CHANGE_WAIT_MS
    while ((await pendingMeetingTransaction(this.deps.store, meetingId)) !== null && this.deps.now() < deadline && !signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, PENDING_CHANGE_POLL_MS))
    }
  }

  /**
   * The meeting as this office holds it. A booking answered a moment ago may still be on its way to
   * this office's own copy (the coordinator answers once the decision is durable and delivers it
   * after): an unknown meeting with a transaction in flight is waited for like any change in flight.
   */
  private async requireMeeting(id: string, signal: AbortSignal): Promise<MeetingRecord> {
    const found = await readMeeting(this.deps.store, id)
    if (found !== null) return found
    await this.afterPendingChange(id, signal)
    return (await readMeeting(this.deps.store, id)) ?? fail('NOT_FOUND', `id: meeting "${id}" does not exist in office ${this.deps.officeId}`)
  }

  /**
   * The offices of a meeting's attendees as the directory places them now (people may have moved
   * to another office since the booking, their copies of the meeting with them); null for a
   * one-office change. Only the office that booked it (named in its id) coordinates its changes.
   */
  private async participantsOf(meeting: MeetingRecord): Promise<readonly OfficeAttendance[] | null> {
    const owner = bookingOffice(meeting.id)
    if (owner !== this.deps.officeId) fail('BAD_REQUEST', `id: meeting "${meeting.id}" is changed through office ${owner}, which booked it; this is office ${this.deps.officeId}`)
    const participants = await this.coordinator.locate(meeting)
    const bookedAcross = (await readCoordinatorTx(this.deps.store, meeting.id)) !== null
    return bookedAcross || participants.some((p) => p.office !== this.deps.officeId) ? participants : null
  }
}

function requireChangeable(meeting: MeetingRecord, expectedVersion: number | null): void {
  if (meeting.status === 'cancelled') fail('BAD_REQUEST', `id: meeting "${meeting.id}" is cancelled`)
  if (expectedVersion !== null && expectedVersion !== meeting.version) {
    throw RpcError.of('CONFLICT', `expectedVersion: meeting "${meeting.id}" is at version ${meeting.version}, not the expected ${expectedVersion}`, { code: 'STALE_VERSION', currentVersion: meeting.version })
  }
}

function decisionOf(tx: CoordinatorTx): TxDecision {
  if (tx.phase.kind !== 'decided') throw RpcError.of('INTERNAL', `transaction "${tx.id}" was answered before its decision`)
  return tx.phase.decision
}

/** An abort is a definite answer (nothing changed anywhere), not worth retrying blindly: CONFLICT, with the reason. */
function aborted(what: 'cancelled' | 'moved', tx: CoordinatorTx, decision: Extract<TxDecision, { kind: 'abort' }>): RpcError {
  return RpcError.of('CONFLICT', `not ${what} (transaction ${tx.id} aborted): ${decision.reason}`, { transaction: tx.id, reason: decision.reason, conflicts: decision.conflicts.map(conflictView) })
}

/** A refusal of the calendar domain found at the boundary (no such occurrence) is the caller's error. */
function asRpcError<T>(run: () => T): T {
  try {
    return run()
  } catch (error) {
    if (error instanceof CalendarRejectionError) throw RpcError.of(error.rejection.code === 'NOT_FOUND' ? 'NOT_FOUND' : 'BAD_REQUEST', `occurrence: ${error.message}`)
    throw error
  }
}

function fail(code: 'NOT_FOUND' | 'BAD_REQUEST', message: string): never {
  throw RpcError.of(code, message)
}

/** The office that booked a meeting, named in its id ("mtg-<office>-<index>"). */
function bookingOffice(meetingId: string): string {
  return /^mtg-([a-z][a-z0-9]*)-\d+$/.exec(meetingId)?.[1] ?? fail('BAD_REQUEST', `id: "${meetingId}" is not a meeting id (mtg-<office>-<number>)`)
}

/**
 * The request id under which `office` records an answer taken with `requestId`: the same for every
 * retry, and within the request-id limit of a frame (a peer refuses a longer one unanswered, so an
 * answer taken with a long client id would time out): a long id is hashed.
 */
export function recordingRequestId(requestId: string, office: string): string {
  const tagged = `${requestId}@${office}`
  return tagged.length <= MAX_REQUEST_ID_LENGTH ? tagged : `${createHash('sha256').update(requestId).digest('hex')}@${office}`
}
