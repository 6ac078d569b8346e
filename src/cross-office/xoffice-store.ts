/** Reads of the cross-office records, for the apply code, the RPC methods and the recovery passes. */
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import type { CoordinatorTx, FencingRejection, ParticipantTx } from './xoffice-command.js'
import { coordinatorTxCodec, counterCodec, participantTxCodec, txIdCodec, xofficeKeys } from './xoffice-keyspace.js'

export const FENCING_REJECTIONS: readonly FencingRejection[] = ['staleTerm', 'staleToken', 'conflictingDecision', 'notPrepared']

export async function readCoordinatorTx(reader: KeyspaceReader, id: string): Promise<CoordinatorTx | null> {
  const bytes = await reader.get(xofficeKeys.tx(id))
  return bytes === undefined ? null : coordinatorTxCodec.decode(bytes)
}

export async function readParticipantTx(reader: KeyspaceReader, id: string): Promise<ParticipantTx | null> {
  const bytes = await reader.get(xofficeKeys.part(id))
  return bytes === undefined ? null : participantTxCodec.decode(bytes)
}

/** Coordinator transactions of this office that are not finished, oldest key first. */
export async function openTransactionIds(reader: KeyspaceReader): Promise<string[]> {
  const prefix = xofficeKeys.opens()
  return (await reader.range({ prefix })).map(([key]) => key.slice(prefix.length))
}

/** Participant transactions of this office still holding time. */
export async function preparedTransactionIds(reader: KeyspaceReader): Promise<string[]> {
  const prefix = xofficeKeys.prepareds()
  return (await reader.range({ prefix })).map(([key]) => key.slice(prefix.length))
}

/** The transaction a change of this meeting must wait for: its booking still being delivered, or an undecided or undelivered change. */
export async function pendingMeetingTransaction(reader: KeyspaceReader, meetingId: string): Promise<string | null> {
  if ((await reader.get(xofficeKeys.open(meetingId))) !== undefined) return meetingId
  const change = await reader.get(xofficeKeys.change(meetingId))
  return change === undefined ? null : txIdCodec.decode(change)
}

export async function readCounter(reader: KeyspaceReader, name: FencingRejection): Promise<number> {
  const bytes = await reader.get(xofficeKeys.counter(name))
  return bytes === undefined ? 0 : counterCodec.decode(bytes)
}

export async function fencingCounters(reader: KeyspaceReader): Promise<Record<FencingRejection, number>> {
  const entries = await Promise.all(FENCING_REJECTIONS.map(async (name) => [name, await readCounter(reader, name)] as const))
  return Object.fromEntries(entries) as Record<FencingRejection, number>
}
