/**
 * The directory's commands as they travel in an office's Raft log, and the records they keep.
 * Every office holds the whole directory (who lives where, which offices exist): each office is
 * authoritative for its own people and publishes changes to the others through their logs.
 */
import type { OfficeConfig } from '../config/cluster-config-schema.js'

/**
 * Where one person lives. `epoch` grows by one with each move, so of two entries for a person the
 * higher epoch wins whatever order they arrive in.
 */
export interface DirectoryEntry {
  readonly user: string
  readonly office: string
  readonly epoch: number
}

/** A person's calendar records as a move carries them: keys and encoded values, verbatim. */
export type MovedRecords = ReadonlyArray<readonly [string, Uint8Array]>

/** The source office's record of one move (dir/move/<id>); records are dropped once settled. */
export interface UserMove {
  readonly id: string
  readonly user: string
  readonly from: string
  readonly to: string
  readonly epoch: number
  readonly beganAtMs: number
  readonly state:
    | { readonly kind: 'exporting'; readonly records: MovedRecords }
    | { readonly kind: 'moved'; readonly settledAtMs: number }
    | { readonly kind: 'aborted'; readonly reason: string; readonly settledAtMs: number }
}

export type MoveOutcome = { readonly kind: 'moved' } | { readonly kind: 'aborted'; readonly reason: string }

export type DirectoryCommand =
  /** Entries another office published about its people (applied where the epoch is newer). */
  | { readonly kind: 'dir.learn'; readonly from: string; readonly entries: readonly DirectoryEntry[] }
  /** The publisher delivered this office's directory log up to `seq` to `target`. */
  | { readonly kind: 'dir.published'; readonly target: string; readonly seq: number }
  /** A new office (Raft group) joined the system: its replicas and calendar defaults. */
  | { readonly kind: 'dir.office.add'; readonly office: OfficeConfig }
  /** Source side of a move: take the person's records out of the live keyspace into the move record. */
  | { readonly kind: 'move.begin'; readonly user: string; readonly to: string }
  /** Destination side: write the records here (refused when the id is taken). */
  | { readonly kind: 'move.import'; readonly moveId: string; readonly from: string; readonly user: string; readonly epoch: number; readonly records: MovedRecords }
  /** Source side: the destination answered; publish the new home, or put the records back. */
  | { readonly kind: 'move.finish'; readonly moveId: string; readonly outcome: MoveOutcome }

export type DirectoryResult =
  | { readonly kind: 'learned'; readonly applied: number }
  | { readonly kind: 'published' }
  | { readonly kind: 'office'; readonly office: string }
  | { readonly kind: 'move'; readonly move: UserMove }
  | { readonly kind: 'imported' }
  | { readonly kind: 'refused'; readonly reason: string }
