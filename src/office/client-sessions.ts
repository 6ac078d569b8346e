/**
 * Client sessions: exactly-once for the project's own clients at a table size bounded by what they
 * have in flight, not by history (the Raft dissertation's client sessions, section 6.3).
 *
 * A `ClusterClient` numbers its calls (`<client>-<sequence>`) and tells every request the lowest
 * sequence it may still retry (`settledBelow`): it has its answer, or gave up, for everything
 * lower. One record per client (`ses/<client>`) keeps the outcomes of its applied sequences from
 * that floor up, and forgets the ones below as the floor rises. A retry finds its outcome there; a
 * request below the floor (a late network duplicate of a settled call) is refused, not applied.
 * The per-id table (applied-requests.ts) grew by one record per write for 200,000 entries, and
 * LevelDB's compactions and the snapshots rewrote it again and again: 10,000 puts/s at concurrency
 * 64 on a fresh cluster fell to about 7,000 as it filled (docs/BENCHMARKS.md, seventh session).
 * Requests without a session (an id the caller chose) still use that table.
 *
 * A client that stops sending is forgotten `retention` entries later: each session is listed in
 * the expiry block of every 1,024 log indexes it was used in (`sesexp/<first index>`), and the
 * sweep of an old block deletes the sessions listed there that were not used since.
 */
import { Packr } from 'msgpackr'
import type { Index } from '../../raft/types.js'
import type { KeyspaceTransaction } from './keyspace-transaction.js'
import type { ClientSession, OfficeOutcome } from './office-command.js'
import { appendToBlock, blockKey, idsInBlock } from './expiry-blocks.js'

const SESSION_PREFIX = 'ses/'
const EXPIRY_PREFIX = 'sesexp/'
/** Log indexes per expiry block, and how often a block is swept. */
export const SESSION_BLOCK_ENTRIES = 1024
/**
 * Outcomes a session keeps at most. Only the client settles them (a call still running may need
 * its outcome), so past this bound a session takes no new request: it is refused, not applied,
 * until the client's floor moves. At 11,000 puts/s a client reaches it only if one call stays
 * unsettled for about 9 s while the others complete; it bounds what a buggy or hostile client that
 * never raises its floor can make every replica store and rewrite.
 */
export const MAX_OUTCOMES_PER_SESSION = 100_000

const packr = new Packr({ useRecords: false })

interface SessionState {
  floor: number
  /** The first index of the latest expiry block that lists this session. */
  listedIn: Index
  readonly outcomes: Map<number, OfficeOutcome>
}

type SessionRecord = [floor: number, listedIn: Index, outcomes: Array<[number, OfficeOutcome]>]

export function sessionKey(client: string): string {
  return SESSION_PREFIX + client
}

/** The expiry block an entry's session is listed in (so a batch can prefetch it). */
export function sessionBlockKey(index: Index): string {
  return blockKey(EXPIRY_PREFIX, blockStart(index))
}

export type SessionVerdict =
  | { readonly kind: 'fresh' }
  | { readonly kind: 'retry'; readonly outcome: OfficeOutcome }
  /** Not applied: below the client's floor, or the session is full. */
  | { readonly kind: 'refused'; readonly outcome: OfficeOutcome }

/**
 * The sessions one apply batch used, read through the batch's transaction at first use and written
 * back once, at its end (`writeTo`): a batch of 64 puts from one client rewrites its record once.
 */
export class ClientSessionLog {
  /** Every session this batch read, as the batch has changed it (null: none, or swept). */
  private readonly sessions = new Map<string, SessionState | null>()
  /** The sessions to write back at the end of the batch. */
  private readonly changed = new Set<string>()
  /** Clients newly listed in each expiry block this batch, by block key, in first-use order. */
  private readonly listings = new Map<string, string[]>()

  /** What to do with a session's request: apply it, answer a retry, or refuse a settled one. */
  async check(tx: KeyspaceTransaction, session: ClientSession, requestId: string): Promise<SessionVerdict> {
    const state = await this.load(tx, session.client)
    // Whatever becomes of this request, what its client says it settled holds.
    if (this.settle(state, session.settledBelow)) this.changed.add(session.client)
    if (session.sequence < state.floor) {
      const message = `request ${requestId} was settled by its client (it retries nothing below sequence ${state.floor}); not applied`
      return { kind: 'refused', outcome: { ok: false, code: 'REJECTED', message } }
    }
    const outcome = state.outcomes.get(session.sequence)
    if (outcome !== undefined) return { kind: 'retry', outcome }
    if (state.outcomes.size >= MAX_OUTCOMES_PER_SESSION) {
      const message = `request ${requestId} not applied: its client has ${state.outcomes.size} calls it has not settled; settle them first`
      return { kind: 'refused', outcome: { ok: false, code: 'REJECTED', message } }
    }
    return { kind: 'fresh' }
  }

  /** Records an applied request's outcome, at log index `index` (after `check` said it is fresh). */
  async record(tx: KeyspaceTransaction, session: ClientSession, index: Index, outcome: OfficeOutcome): Promise<void> {
    const state = await this.load(tx, session.client)
    this.changed.add(session.client)
    state.outcomes.set(session.sequence, outcome)
    const block = blockStart(index)
    if (block > state.listedIn) {
      state.listedIn = block
      const key = blockKey(EXPIRY_PREFIX, block)
      const listed = this.listings.get(key)
      if (listed === undefined) this.listings.set(key, [session.client])
      else listed.push(session.client)
    }
  }

  /**
   * At a multiple of the block size: deletes the expiry block that ended at least `retention`
   * indexes ago, and every session it lists that no later block lists (unused since). Every block
   * is swept once, whatever the batch boundaries; sessions are read as this batch left them.
   */
  async sweep(tx: KeyspaceTransaction, index: Index, retentionEntries: number): Promise<void> {
    const block = index - sweptBlockDistance(retentionEntries)
    const key = blockKey(EXPIRY_PREFIX, block)
    const stored = await tx.get(key)
    // A batch longer than the sweep distance may have listed clients in this block itself.
    const listedNow = this.listings.get(key) ?? []
    this.listings.delete(key)
    if (stored === undefined && listedNow.length === 0) return
    tx.del(key)
    const listed = stored === undefined ? listedNow : [...idsInBlock(stored), ...listedNow]
    for (const client of listed) {
      const state = await this.current(tx, client)
      if (state === null || state.listedIn > block) continue
      this.sessions.set(client, null)
      this.changed.add(client)
    }
  }

  /** Writes every session this batch changed and appends the new listings to their blocks. */
  async writeTo(tx: KeyspaceTransaction): Promise<void> {
    for (const client of this.changed) {
      const state = this.sessions.get(client)
      if (state === null || state === undefined) tx.del(sessionKey(client))
      else tx.put(sessionKey(client), encodeSession(state))
    }
    for (const [key, clients] of this.listings) await appendToBlock(tx, key, clients)
    this.sessions.clear()
    this.changed.clear()
    this.listings.clear()
  }

  /** Raises the floor and forgets the outcomes below it; whether it moved. */
  private settle(state: SessionState, floor: number): boolean {
    if (floor <= state.floor) return false
    state.floor = floor
    for (const sequence of state.outcomes.keys()) if (sequence < floor) state.outcomes.delete(sequence)
    return true
  }

  /** The session as this batch has it, or null: none, or swept in this batch. */
  private async current(tx: KeyspaceTransaction, client: string): Promise<SessionState | null> {
    const known = this.sessions.get(client)
    if (known !== undefined) return known
    const bytes = await tx.get(sessionKey(client))
    const state = bytes === undefined ? null : decodeSession(bytes)
    this.sessions.set(client, state)
    return state
  }

  /** The session as this batch has it; a client without one starts a new one. */
  private async load(tx: KeyspaceTransaction, client: string): Promise<SessionState> {
    const state = (await this.current(tx, client)) ?? { floor: 0, listedIn: -1, outcomes: new Map<number, OfficeOutcome>() }
    this.sessions.set(client, state)
    return state
  }
}

/** Whether a session sweep runs at this index (the block it sweeps exists). */
export function sessionSweepDue(index: Index, retentionEntries: number): boolean {
  return index % SESSION_BLOCK_ENTRIES === 0 && index - sweptBlockDistance(retentionEntries) >= 0
}

/**
 * How far behind the sweeping index the swept block starts: a whole number of blocks, so that the
 * block's last index is more than `retentionEntries` behind.
 */
function sweptBlockDistance(retentionEntries: number): number {
  return (Math.ceil(retentionEntries / SESSION_BLOCK_ENTRIES) + 1) * SESSION_BLOCK_ENTRIES
}

function blockStart(index: Index): Index {
  return index - (index % SESSION_BLOCK_ENTRIES)
}

/** Outcomes in sequence order: every replica writes the same bytes. */
function encodeSession(state: SessionState): Uint8Array {
  const outcomes = [...state.outcomes].sort(([a], [b]) => a - b)
  const record: SessionRecord = [state.floor, state.listedIn, outcomes]
  return packr.pack(record)
}

function decodeSession(bytes: Uint8Array): SessionState {
  const [floor, listedIn, outcomes] = packr.unpack(bytes) as SessionRecord
  return { floor, listedIn, outcomes: new Map(outcomes) }
}
