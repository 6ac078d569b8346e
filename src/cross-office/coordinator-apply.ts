/**
 * The coordinator's side of two-phase commit, applied from the organizer office's log: the
 * transaction record is created by tx.begin, gets exactly one decision (the first tx.decide
 * applied wins), and is closed by tx.finish once every participant acknowledged. A change of a
 * meeting (cancel, move) locks the meeting until it is decided, so every office applies the
 * meeting's changes in the same order.
 */
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import type { CalendarApplyContext } from '../calendar-service/calendar-apply-context.js'
import { reject } from '../calendar-service/calendar-command.js'
import { formatInstantUtc } from '../calendar/time/time-zone.js'
import type { CoordinatorTx, TxDecision, XofficeCommand, XofficeResult } from './xoffice-command.js'
import { coordinatorTxCodec, MARKER, txIdCodec, xofficeKeys } from './xoffice-keyspace.js'
import { readCoordinatorTx } from './xoffice-store.js'

/**
 * How long before the earliest hold's lease end a commit must be decided. Leases are measured on
 * participant leaders' clocks and the decision on the coordinator's: this bounds the skew allowed.
 */
export const LEASE_SKEW_MARGIN_MS = 1000

type CoordinatorCommand = Extract<XofficeCommand, { kind: 'tx.begin' | 'tx.decide' | 'tx.finish' }>

export async function applyCoordinatorCommand(command: CoordinatorCommand, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<XofficeResult> {
  switch (command.kind) {
    case 'tx.begin': {
      const { intent } = command
      const id = `${intent.kind === 'book' ? 'mtg' : 'chg'}-${ctx.office.officeId}-${ctx.index}`
      if (intent.kind !== 'book') await lockMeeting(tx, intent.meetingId, id)
      const record: CoordinatorTx = {
        id,
        office: ctx.office.officeId,
        intent,
        participants: command.participants,
        leaseMs: command.leaseMs,
        beganAtMs: ctx.atMs,
        phase: { kind: 'preparing' },
      }
      write(tx, record)
      tx.put(xofficeKeys.open(record.id), MARKER)
      return { kind: 'tx', tx: record }
    }
    case 'tx.decide': {
      const current = await requireTx(tx, command.txId)
      if (current.phase.kind === 'decided') return { kind: 'tx', tx: current }
      const decision = admissible(command.decision, current, ctx.atMs)
      const record: CoordinatorTx = { ...current, phase: { kind: 'decided', decision, decidedAtMs: ctx.atMs, finished: false } }
      write(tx, record)
      // An abort changes nothing anywhere, so the meeting may take its next change at once.
      if (decision.kind === 'abort') await unlockMeeting(tx, record)
      return { kind: 'tx', tx: record }
    }
    case 'tx.finish': {
      const current = await requireTx(tx, command.txId)
      if (current.phase.kind !== 'decided') reject({ code: 'REJECTED', message: `transaction "${current.id}" has no decision yet: it cannot finish` })
      const record: CoordinatorTx = { ...current, phase: { ...current.phase, finished: true } }
      write(tx, record)
      tx.del(xofficeKeys.open(record.id))
      await unlockMeeting(tx, record)
      return { kind: 'tx', tx: record }
    }
  }
}

/**
 * A commit is recorded only with a token from every participant office and while every hold is
 * still leased (with the skew margin to spare); anything else becomes an abort saying why.
 */
function admissible(decision: TxDecision, tx: CoordinatorTx, atMs: number): TxDecision {
  if (decision.kind === 'abort') return decision
  const missing = tx.participants.filter((p) => decision.tokens[p.office] === undefined).map((p) => p.office)
  if (missing.length > 0) return { kind: 'abort', reason: `no yes vote from office(s) ${missing.join(', ')}`, conflicts: [] }
  if (atMs >= decision.leaseExpiresMs - LEASE_SKEW_MARGIN_MS) {
    return { kind: 'abort', reason: `the holds' leases end at ${formatInstantUtc(decision.leaseExpiresMs)}, too soon to commit at ${formatInstantUtc(atMs)}`, conflicts: [] }
  }
  return decision
}

/**
 * A meeting booked across offices by this office takes one change at a time, and only once its
 * booking reached every office: otherwise two changes could reach the offices in different orders.
 */
async function lockMeeting(tx: KeyspaceTransaction, meetingId: string, changeId: string): Promise<void> {
  const booking = await readCoordinatorTx(tx, meetingId)
  if (booking === null || booking.intent.kind !== 'book') reject({ code: 'NOT_FOUND', message: `meeting "${meetingId}" was not booked across offices by this office` })
  if (booking.phase.kind !== 'decided') reject({ code: 'REJECTED', message: `meeting "${meetingId}" is not booked yet (its booking is undecided)` })
  if (booking.phase.decision.kind !== 'commit') reject({ code: 'REJECTED', message: `meeting "${meetingId}" was never booked (its booking aborted)` })
  if ((await tx.get(xofficeKeys.open(meetingId))) !== undefined) reject({ code: 'REJECTED', message: `meeting "${meetingId}" is still being delivered to every office; try again shortly` })
  const pending = await tx.get(xofficeKeys.change(meetingId))
  if (pending !== undefined) reject({ code: 'REJECTED', message: `meeting "${meetingId}" is being changed by transaction "${txIdCodec.decode(pending)}"; try again once it is decided` })
  tx.put(xofficeKeys.change(meetingId), txIdCodec.encode(changeId))
}

async function unlockMeeting(tx: KeyspaceTransaction, record: CoordinatorTx): Promise<void> {
  if (record.intent.kind === 'book') return
  const key = xofficeKeys.change(record.intent.meetingId)
  const holder = await tx.get(key)
  if (holder !== undefined && txIdCodec.decode(holder) === record.id) tx.del(key)
}

function write(tx: KeyspaceTransaction, record: CoordinatorTx): void {
  tx.put(xofficeKeys.tx(record.id), coordinatorTxCodec.encode(record))
}

async function requireTx(tx: KeyspaceTransaction, id: string): Promise<CoordinatorTx> {
  return (await readCoordinatorTx(tx, id)) ?? reject({ code: 'NOT_FOUND', message: `transaction "${id}" does not exist in this office` })
}
