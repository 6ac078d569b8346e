/**
 * Where cross-office state lives in an office's keyspace. Open transactions and prepared holds
 * have their own small index, so the recovery passes read only what still needs work.
 *
 *   xo/tx/<tx>          CoordinatorTx
 *   xo/open/<tx>        marker: a coordinator transaction not finished yet
 *   xo/part/<tx>        ParticipantTx
 *   xo/prepared/<tx>    marker: a participant transaction holding time, awaiting its decision
 *   xo/change/<meeting> the open change transaction of a cross-office meeting (one at a time)
 *   xo/counter/<name>   number: fenced-off messages by kind
 */
import { recordCodec as codec } from '../office/record-codec.js'
import type { CoordinatorTx, FencingRejection, ParticipantTx } from './xoffice-command.js'

export const xofficeKeys = {
  tx: (id: string) => `xo/tx/${id}`,
  open: (id: string) => `xo/open/${id}`,
  opens: () => 'xo/open/',
  part: (id: string) => `xo/part/${id}`,
  prepared: (id: string) => `xo/prepared/${id}`,
  prepareds: () => 'xo/prepared/',
  change: (meetingId: string) => `xo/change/${meetingId}`,
  counter: (name: FencingRejection) => `xo/counter/${name}`,
} as const


export const coordinatorTxCodec = codec<CoordinatorTx>()
export const participantTxCodec = codec<ParticipantTx>()
export const counterCodec = codec<number>()
export const txIdCodec = codec<string>()
export const MARKER = new Uint8Array([1])
