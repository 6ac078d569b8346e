/**
 * What the harness asks of a workload, so booking, 2PC and notification workloads can join the KV
 * one: run concurrent clients while the faults happen, settle once the cluster is quiet, count its
 * operations, and judge its own history with the checks it exercises.
 */
import type { CheckName, CheckFindings } from './chaos-checks.js'

export interface OpCounts {
  readonly attempted: number
  readonly acknowledged: number
  readonly failed: number
  readonly indeterminate: number
}

/** A write the cluster acknowledged, for recovery times and throughput. */
export interface AcknowledgedWrite {
  readonly office: string
  readonly returnedAtMs: number
}

export interface ChaosWorkload {
  readonly name: string
  /** The checks whose evidence this workload produces; the report lists only exercised checks as run. */
  readonly exercises: readonly CheckName[]
  /** Starts the clients; they run until `stop`. */
  start(): void
  /** Stops issuing operations and waits for the ones in flight to end (return or give up). */
  stop(): Promise<void>
  /** Runs after the cluster has quiesced: e.g. final reads the checks compare against. */
  settle(): Promise<void>
  counts(): OpCounts
  /** The same counts per kind of operation, for workloads that mix several. */
  countsByKind?(): Readonly<Record<string, OpCounts>>
  /** Every acknowledged operation's completion, writes flagged, for throughput and recovery. */
  completions(): ReadonlyArray<AcknowledgedWrite & { readonly write: boolean }>
  check(): Promise<CheckFindings>
}
