/**
 * The report of one chaos run: the contract's fields (seed, durationS, faults, ops, checks, ok)
 * plus what a reader needs to trust or replay it: which checks really ran, the linearizability
 * search's verdict counts, the problems found, per-second throughput and the replay command.
 */
import { checksPass, combineFindings, type CheckFindings, type CheckName, type CheckResults, type LinearizabilityFindings } from './chaos-checks.js'
import type { AcknowledgedWrite, OpCounts } from './chaos-workload.js'
import type { FaultRecord } from './nemesis.js'
import { recoveredAfterS } from './recovery-times.js'

export interface ReportedFault {
  readonly kind: string
  readonly target: string
  readonly atS: number
  readonly healedAtS: number | null
  /** How it struck, for faults whose target alone does not say (e.g. "at a decision", "+1200ms"). */
  readonly detail?: string
  readonly recoveredAfterS: number | null
}

export interface ChaosReport {
  readonly seed: number
  readonly durationS: number
  readonly offices: ReadonlyArray<{ readonly id: string; readonly replicas: readonly string[] }>
  readonly faultKinds: readonly string[]
  readonly workloads: readonly string[]
  readonly faults: readonly ReportedFault[]
  /** Scheduled faults not injected, and why (e.g. the leader they targeted was already down). */
  readonly skippedFaults: ReadonlyArray<{ readonly kind: string; readonly target: string; readonly atS: number; readonly reason: string }>
  readonly ops: OpCounts
  /** The same counts per workload. */
  readonly opsByWorkload: Readonly<Record<string, OpCounts>>
  /** Per workload that mixes kinds of operation, the counts per kind. */
  readonly opsByKind: Readonly<Record<string, Readonly<Record<string, OpCounts>>>>
  readonly checks: CheckResults
  /** The checks some workload produced evidence for; the others report neutral values only. */
  readonly exercised: readonly CheckName[]
  readonly linearizability: LinearizabilityFindings | null
  /** Cross-office messages fenced off (rejected) by participants; null when no workload crossed offices. */
  readonly fencingRejected: number | null
  /** Acknowledged operations per second of the run, all offices together. */
  readonly throughputPerS: readonly number[]
  readonly problems: readonly string[]
  readonly replay: string
  readonly ok: boolean
}

export interface ReportInputs {
  readonly seed: number
  readonly durationS: number
  readonly offices: ChaosReport['offices']
  readonly faultKinds: readonly string[]
  readonly workloads: readonly string[]
  readonly faults: readonly FaultRecord[]
  readonly ops: OpCounts
  readonly opsByWorkload: Readonly<Record<string, OpCounts>>
  readonly opsByKind: Readonly<Record<string, Readonly<Record<string, OpCounts>>>>
  readonly completions: ReadonlyArray<AcknowledgedWrite & { readonly write: boolean }>
  readonly findings: readonly CheckFindings[]
  /** Clock reading (ms) when the workload and the fault schedule started. */
  readonly startMs: number
  readonly replay: string
}

const PROBLEMS_SHOWN = 50

export function buildChaosReport(inputs: ReportInputs): ChaosReport {
  const { checks, linearizability, exercised, fencingRejected, problems } = combineFindings(inputs.findings)
  const writes = inputs.completions.filter((completion) => completion.write)
  const throughput = new Array<number>(Math.ceil(inputs.durationS)).fill(0)
  for (const completion of inputs.completions) {
    const second = Math.floor((completion.returnedAtMs - inputs.startMs) / 1000)
    if (second >= 0 && second < throughput.length) throughput[second] = (throughput[second] ?? 0) + 1
  }
  return {
    seed: inputs.seed,
    durationS: inputs.durationS,
    offices: inputs.offices,
    faultKinds: inputs.faultKinds,
    workloads: inputs.workloads,
    faults: inputs.faults
      .filter((fault) => fault.skipped === null)
      .map((fault) => ({
        kind: fault.kind,
        target: fault.target,
        atS: fault.atS,
        healedAtS: fault.endS,
        ...(fault.detail === undefined ? {} : { detail: fault.detail }),
        recoveredAfterS: recoveredAfterS(fault, writes, inputs.startMs),
      })),
    skippedFaults: inputs.faults.flatMap((fault) => (fault.skipped === null ? [] : [{ kind: fault.kind, target: fault.target, atS: fault.atS, reason: fault.skipped }])),
    ops: inputs.ops,
    opsByWorkload: inputs.opsByWorkload,
    opsByKind: inputs.opsByKind,
    checks,
    exercised,
    linearizability,
    fencingRejected,
    throughputPerS: throughput,
    problems: problems.slice(0, PROBLEMS_SHOWN),
    replay: inputs.replay,
    ok: checksPass(checks),
  }
}
