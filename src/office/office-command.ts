/**
 * What an office's Raft log carries: a client's command with the request id that makes retries
 * safe. Each domain of the office (the KV store now, calendars next) adds a variant.
 */
import { Packr } from 'msgpackr'
import type { CalendarCommand, CalendarResult } from '../calendar-service/calendar-command.js'
import type { KvCommand, KvResult } from '../kv/kv-command.js'
import type { XofficeCommand, XofficeResult } from '../cross-office/xoffice-command.js'
import type { DirectoryCommand, DirectoryResult } from '../directory/directory-command.js'

export type OfficeCommand =
  | { readonly kind: 'kv'; readonly command: KvCommand }
  | { readonly kind: 'calendar'; readonly command: CalendarCommand }
  | { readonly kind: 'xoffice'; readonly command: XofficeCommand }
  | { readonly kind: 'directory'; readonly command: DirectoryCommand }

/**
 * A request of a client that numbers its calls: its id is `<client>-<sequence>`, and the client
 * will retry nothing below `settledBelow` (see client-sessions.ts). Checked at the RPC boundary.
 */
export interface ClientSession {
  readonly client: string
  readonly sequence: number
  readonly settledBelow: number
}

export interface OfficeProposal {
  /** Chosen by the client and kept across retries: a repeated id is answered, not re-applied. */
  readonly requestId: string
  /** Present for a numbered client's own call: retries are then found in its session, not the per-id table. */
  readonly session?: ClientSession
  readonly command: OfficeCommand
  /**
   * The proposing leader's clock (ms since the epoch). The state machine never reads a clock: where
   * "now" matters (hold leases, notification times) it uses this, so every replica agrees.
   */
  readonly atMs: number
}

export type OfficeResult =
  | { readonly kind: 'kv'; readonly result: KvResult }
  | { readonly kind: 'calendar'; readonly result: CalendarResult }
  | { readonly kind: 'xoffice'; readonly result: XofficeResult }
  | { readonly kind: 'directory'; readonly result: DirectoryResult }

/** The answer recorded for an applied proposal (and replayed to a retry of the same request id). */
export type OfficeOutcome =
  | { readonly ok: true; readonly result: OfficeResult }
  | { readonly ok: false; readonly code: 'BAD_COMMAND' | 'NOT_FOUND' | 'REJECTED'; readonly message: string }
  | { readonly ok: false; readonly code: 'STALE_VERSION'; readonly message: string; readonly currentVersion: number }

const OFFICE_COMMAND_KINDS: ReadonlySet<string> = new Set<OfficeCommand['kind']>(['kv', 'calendar', 'xoffice', 'directory'])

// copyBuffers: byte strings decoded from an entry (a moved person's records) are kept after it,
// in the apply cache; they must not keep the entry's buffer (a follower's 64 KB chunk) alive.
const packr = new Packr({ useRecords: false, copyBuffers: true })

export function encodeProposal(proposal: OfficeProposal): Uint8Array {
  return packr.pack(proposal)
}

/**
 * Entries were validated before they were proposed, so a decoding failure means a bug or a
 * damaged log; it yields a deterministic BAD_COMMAND outcome on every replica instead of a crash.
 */
export function decodeProposal(bytes: Uint8Array): OfficeProposal | { readonly corrupt: string } {
  try {
    // msgpackr caches a DataView on the buffer it reads, as a property. The entry's own buffer
    // stays in the Raft log until a snapshot, so it would carry two more objects each for the
    // collector to trace; a throwaway view of the same bytes takes them instead.
    const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const value = packr.unpack(view) as Partial<OfficeProposal> | null
    if (value === null || typeof value !== 'object' || typeof value.requestId !== 'string' || typeof value.atMs !== 'number') {
      return { corrupt: 'entry is not an office proposal' }
    }
    if (typeof value.command !== 'object' || value.command === null || !OFFICE_COMMAND_KINDS.has(value.command.kind)) {
      return { corrupt: `entry ${value.requestId} carries no known office command` }
    }
    if (value.session !== undefined && !isClientSession(value.session)) {
      return { corrupt: `entry ${value.requestId} carries a malformed client session` }
    }
    return value as OfficeProposal
  } catch (error) {
    return { corrupt: `entry is not msgpack: ${(error as Error).message}` }
  }
}

function isClientSession(value: unknown): value is ClientSession {
  if (value === null || typeof value !== 'object') return false
  const { client, sequence, settledBelow } = value as Partial<Record<keyof ClientSession, unknown>>
  return typeof client === 'string' && isSequence(sequence) && isSequence(settledBelow) && settledBelow <= sequence
}

function isSequence(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
