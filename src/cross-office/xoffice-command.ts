/**
 * The cross-office (two-phase commit) commands as they travel in an office's Raft log, and the
 * records they keep. The coordinator side (tx.*) runs in the organizer's office; the participant
 * side (hold.*) in every office with attendees, the organizer's included. What a transaction does
 * when it commits is its intent: book a meeting, cancel it (or one occurrence), or move it.
 */
import type { MeetingSpec, TimeConflict } from '../calendar-service/calendar-command.js'
import type { MeetingTimeChange, OccurrenceRef } from '../calendar-service/meeting-changes.js'

/** The attendees one office is responsible for (the organizer counts as required in its office). */
export interface OfficeAttendance {
  readonly office: string
  readonly required: readonly string[]
  readonly optional: readonly string[]
}

/** The priority a booking gets when it names none; a higher one may displace lower-priority holds. */
export const DEFAULT_PRIORITY = 1

/**
 * What a cross-office transaction changes in every office once committed. A booking's transaction
 * id is the new meeting's id; a cancellation or move names the meeting it changes.
 */
export type TxIntent =
  | { readonly kind: 'book'; readonly meeting: MeetingSpec; readonly override: boolean; readonly priority: number }
  /** occurrence null: the whole series. */
  | { readonly kind: 'cancel'; readonly meetingId: string; readonly occurrence: OccurrenceRef | null }
  /** occurrence null: the whole series moves; otherwise that one occurrence. */
  | {
      readonly kind: 'move'
      readonly meetingId: string
      readonly occurrence: OccurrenceRef | null
      readonly change: MeetingTimeChange
      readonly override: boolean
      readonly priority: number
    }

/** A cancellation places no holds, so it never competes on priority. */
export function priorityOf(intent: TxIntent): number {
  return intent.kind === 'cancel' ? DEFAULT_PRIORITY : intent.priority
}

/** A prepared hold another transaction may ask to displace: its transaction and who coordinates it. */
export interface DisplaceableHold {
  readonly txId: string
  readonly coordinatorOffice: string
  readonly priority: number
}

export type TxDecision =
  | {
      readonly kind: 'commit'
      readonly tokens: Readonly<Record<string, number>>
      readonly leaseExpiresMs: number
      /** What the yes votes reported anyway: optional attendees' conflicts, overridden ones. */
      readonly warnings: readonly TimeConflict[]
    }
  | { readonly kind: 'abort'; readonly reason: string; readonly conflicts: readonly TimeConflict[] }

/** The coordinator's replicated transaction record (xo/tx/<id>). */
export interface CoordinatorTx {
  /**
   * <mtg|chg>-<office>-<index of tx.begin>: a booking's id is also the meeting's id in every office
   * once committed; a change (cancel, move) gets a chg- id of its own.
   */
  readonly id: string
  readonly office: string
  readonly intent: TxIntent
  readonly participants: readonly OfficeAttendance[]
  readonly leaseMs: number
  readonly beganAtMs: number
  readonly phase:
    | { readonly kind: 'preparing' }
    | { readonly kind: 'decided'; readonly decision: TxDecision; readonly decidedAtMs: number; readonly finished: boolean }
}

export type PrepareVote =
  | { readonly vote: 'yes'; readonly token: number; readonly leaseExpiresMs: number; readonly warnings: readonly TimeConflict[] }
  | { readonly vote: 'no'; readonly reason: string; readonly conflicts: readonly TimeConflict[] }

/** A participant office's record of one transaction (xo/part/<id>). */
export interface ParticipantTx {
  readonly id: string
  /** The highest coordinator term heard from: messages of lower terms are fenced off. */
  readonly highestTerm: number
  readonly state: PreparedState | { readonly kind: 'committed'; readonly token: number } | { readonly kind: 'aborted'; readonly token: number | null }
}

/** Holding time and awaiting the decision; token null in 'aborted' means no hold was ever placed. */
export interface PreparedState {
  readonly kind: 'prepared'
  readonly token: number
  readonly leaseExpiresMs: number
  /** What a renewal extends the lease by, counted from the renewal entry's atMs. */
  readonly leaseMs: number
  /** Asked for the outcome when the lease runs low. */
  readonly coordinatorOffice: string
  readonly intent: TxIntent
  readonly local: OfficeAttendance
  readonly heldUsers: readonly string[]
  readonly warnings: readonly TimeConflict[]
}

export type DecisionKind = TxDecision['kind']

/** Why a participant refused a message; each is counted in the replicated keyspace. */
export type FencingRejection = 'staleTerm' | 'staleToken' | 'conflictingDecision' | 'notPrepared'

export type XofficeCommand =
  | {
      readonly kind: 'tx.begin'
      readonly intent: TxIntent
      readonly participants: readonly OfficeAttendance[]
      readonly leaseMs: number
    }
  | { readonly kind: 'tx.decide'; readonly txId: string; readonly decision: TxDecision }
  | { readonly kind: 'tx.finish'; readonly txId: string }
  | {
      readonly kind: 'hold.prepare'
      readonly txId: string
      readonly coordinatorOffice: string
      readonly coordinatorTerm: number
      readonly intent: TxIntent
      readonly local: OfficeAttendance
      readonly leaseMs: number
    }
  /** Keeps a prepared hold blocking while its office waits to learn the outcome: a yes vote is a promise. */
  | { readonly kind: 'hold.renew'; readonly txId: string; readonly token: number }
  | {
      readonly kind: 'hold.decide'
      readonly txId: string
      readonly coordinatorTerm: number
      readonly decision: DecisionKind
      /** The token the participant voted with; null only for an abort from a coordinator that never saw the vote. */
      readonly token: number | null
    }

export type XofficeResult =
  | { readonly kind: 'tx'; readonly tx: CoordinatorTx }
  /** displaceable: set only on a no vote whose every blocker is a lower-priority hold that may still be displaced. */
  | { readonly kind: 'vote'; readonly vote: PrepareVote; readonly displaceable: readonly DisplaceableHold[] }
  | { readonly kind: 'decided'; readonly state: 'committed' | 'aborted'; readonly notified: readonly string[] }
  /** leaseExpiresMs null: the hold was decided meanwhile, nothing to renew. */
  | { readonly kind: 'renewed'; readonly leaseExpiresMs: number | null }
  | { readonly kind: 'fenced'; readonly rejection: FencingRejection; readonly message: string }
