/**
 * How long each fault's offices took to accept writes again: from the moment the fault ended
 * (restart, resume, heal) to the first acknowledged write that returned after it, in every
 * office the fault touched (the slowest office counts). Null when some office wrote nothing more.
 */
import type { AcknowledgedWrite } from './chaos-workload.js'
import type { FaultRecord } from './nemesis.js'

export function recoveredAfterS(fault: FaultRecord, writes: readonly AcknowledgedWrite[], startMs: number): number | null {
  if (fault.endS === null || fault.offices.length === 0) return null
  const endMs = startMs + fault.endS * 1000
  let slowest = 0
  for (const office of fault.offices) {
    let first = Infinity
    for (const write of writes) if (write.office === office && write.returnedAtMs >= endMs && write.returnedAtMs < first) first = write.returnedAtMs
    if (first === Infinity) return null
    slowest = Math.max(slowest, first - endMs)
  }
  return Math.round(slowest / 10) / 100
}
