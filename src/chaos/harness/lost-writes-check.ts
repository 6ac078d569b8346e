/**
 * Acknowledged writes that a final linearizable read shows to be gone. Every write carries a
 * unique value, so the final value names the write that produced it (or the initial absence, or a
 * delete). An acknowledged write W is lost when that producer certainly happened before W (it
 * returned before W was called): nothing could have superseded W, yet W's effect is not there.
 *
 * This is implied by linearizability, but it is cheap, needs no search budget, and names the
 * lost writes directly, so it still judges keys whose linearizability search was inconclusive.
 */
import type { KvHistoryOp } from '../linearizability/kv-history.js'

export interface LostWrite {
  readonly key: string
  readonly opId: string
  readonly value: string | null
  readonly finalValue: string | null
}

/** `finalValues`: the value of every checked key read linearizably after the cluster quiesced. */
export function findLostAcknowledgedWrites(history: readonly KvHistoryOp[], finalValues: ReadonlyMap<string, string | null>): LostWrite[] {
  const byKey = new Map<string, KvHistoryOp[]>()
  for (const op of history) {
    const ops = byKey.get(op.key) ?? []
    ops.push(op)
    byKey.set(op.key, ops)
  }
  const lost: LostWrite[] = []
  for (const [key, finalValue] of finalValues) {
    const ops = byKey.get(key) ?? []
    // An absent key may also be the initial state, which precedes every write: no producer needed.
    const producers = ops.filter((op) => mayHaveWritten(op) && writtenValue(op) === finalValue)
    for (const write of ops.filter(acknowledgedWrite)) {
      if (producers.includes(write)) continue
      // The final value could have been written after W unless every possible producer ended before W began.
      const supersededLater = producers.some((producer) => !(producer.outcome.status === 'ok' && producer.outcome.returnedAt < write.calledAt))
      if (supersededLater) continue
      lost.push({ key, opId: write.id, value: writtenValue(write), finalValue })
    }
  }
  return lost
}

function mayHaveWritten(op: KvHistoryOp): boolean {
  if (op.outcome.status === 'fail') return false
  switch (op.kind) {
    case 'get':
      return false
    case 'cas':
      return op.outcome.status === 'info' || op.outcome.swapped
    case 'put':
    case 'delete':
      return true
  }
}

function acknowledgedWrite(op: KvHistoryOp): boolean {
  return op.outcome.status === 'ok' && mayHaveWritten(op)
}

function writtenValue(op: KvHistoryOp): string | null {
  return op.kind === 'put' || op.kind === 'cas' ? op.value : null
}
