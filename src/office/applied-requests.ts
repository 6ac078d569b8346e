/**
 * The table of applied request ids, part of the replicated keyspace (so it survives restarts and
 * travels in snapshots): a retried proposal is answered with its recorded outcome and not applied
 * again. Ids are forgotten once they are `retentionEntries` log entries old, a window that bounds
 * the table's size; a client retrying across more entries than that would apply twice, so the
 * window is far larger than any retry horizon (see docs/DESIGN.md).
 *
 * Each id has one record (`req/<id>`: its index and outcome). What the sweep needs to find old ids
 * is kept per block of EXPIRY_BLOCK_ENTRIES log indexes (`reqexp/<first index>`: the ids applied
 * in the block, in index order), not per id: one LevelDB key per put less, on every replica (the
 * expiry key was about a quarter of the apply path's CPU). A block's bytes depend only on the
 * entries in it, so replicas that batch the same entries differently still write the same keyspace.
 */
import { Packr } from 'msgpackr'
import type { Index } from '../../raft/types.js'
import type { KeyspaceTransaction } from './keyspace-transaction.js'
import type { OfficeOutcome } from './office-command.js'
import type { RequestIdFilter } from './request-id-filter.js'
import { appendToBlock, blockKey, blockKeyLength, idsInBlock } from './expiry-blocks.js'

const REQUEST_PREFIX = 'req/'
const EXPIRY_PREFIX = 'reqexp/'

export const DEFAULT_RETENTION_ENTRIES = 200_000
/** Expired ids are swept every this many entries, in one bounded range read. */
export const SWEEP_EVERY_ENTRIES = 1024
/**
 * Log indexes per expiry block; divides SWEEP_EVERY_ENTRIES. Small, because at low concurrency
 * every batch rewrites its block (about half a block of ids per put).
 */
export const EXPIRY_BLOCK_ENTRIES = 16
const BLOCK_KEY_LENGTH = blockKeyLength(EXPIRY_PREFIX)

const packr = new Packr({ useRecords: false })

export interface ExpiryScanner {
  range(range: { gte: string; lt: string; limit?: number }): Promise<Array<[string, Uint8Array]>>
}

/** Where a request id's outcome is recorded (so a batch can prefetch it). */
export function appliedRequestKey(requestId: string): string {
  return REQUEST_PREFIX + requestId
}

/** The expiry block an entry's request id is listed in (so a batch can prefetch it). */
export function expiryBlockKey(index: Index): string {
  return expiryIndexPrefix(index - (index % EXPIRY_BLOCK_ENTRIES))
}

/** Whether a key is an applied request's record: read once, before the batch that records it. */
export function isAppliedRequestKey(key: string): boolean {
  return key.startsWith(REQUEST_PREFIX)
}

export async function findAppliedRequest(tx: KeyspaceTransaction, requestId: string): Promise<OfficeOutcome | null> {
  const bytes = await tx.get(appliedRequestKey(requestId))
  return bytes === undefined ? null : ((packr.unpack(bytes) as { outcome: OfficeOutcome }).outcome)
}

/**
 * The request ids one apply batch recorded, by expiry block: each block touched is read and
 * rewritten once per batch (`writeTo`), not once per id.
 */
export class AppliedRequestLog {
  private readonly blocks = new Map<string, string[]>()

  /** `filter` learns every id as it is recorded, so a repeat later in the same batch is found. */
  constructor(private readonly filter: RequestIdFilter) {}

  record(tx: KeyspaceTransaction, requestId: string, index: Index, outcome: OfficeOutcome): void {
    tx.put(appliedRequestKey(requestId), packr.pack({ index, outcome }))
    this.filter.add(requestId, index)
    const key = expiryBlockKey(index)
    const ids = this.blocks.get(key)
    if (ids === undefined) this.blocks.set(key, [requestId])
    else ids.push(requestId)
  }

  /** Appends the recorded ids to their blocks in `tx`. */
  async writeTo(tx: KeyspaceTransaction): Promise<void> {
    for (const [key, ids] of this.blocks) await appendToBlock(tx, key, ids)
    this.blocks.clear()
  }
}

/** How long an id can stay in the table: the retention, plus up to a block and a sweep interval. */
export function longestRemembered(retentionEntries: number): number {
  return retentionEntries + EXPIRY_BLOCK_ENTRIES + SWEEP_EVERY_ENTRIES
}

/** Every id the committed table holds, read from the expiry blocks (to fill a RequestIdFilter). */
export async function appliedRequestIds(committed: ExpiryScanner): Promise<string[]> {
  // '0' follows '/': the bounds enclose exactly the keys under EXPIRY_PREFIX.
  const keys = await committed.range({ gte: EXPIRY_PREFIX, lt: EXPIRY_PREFIX.slice(0, -1) + '0' })
  return keys.flatMap(([key, ids]) => (key.length > BLOCK_KEY_LENGTH ? [key.slice(BLOCK_KEY_LENGTH + 1)] : idsInBlock(ids)))
}

/** Whether `sweepExpiredRequests` has anything to do at this index. */
export function requestSweepDue(index: Index, retentionEntries: number): boolean {
  return index % SWEEP_EVERY_ENTRIES === 0 && index - retentionEntries >= EXPIRY_BLOCK_ENTRIES
}

/**
 * Deletes the ids of the expiry blocks that ended in the window (end - SWEEP, end], end = index -
 * retention: every id in them is at least `retentionEntries` old. Sweeps run only at multiples
 * of the sweep interval, so their windows are disjoint and adjacent, every block is swept once,
 * and every replica deletes the same keys whatever its batch boundaries; the window is long
 * committed (retention far exceeds a batch), so reading it from the committed keyspace is exact.
 */
export async function sweepExpiredRequests(
  tx: KeyspaceTransaction,
  committed: ExpiryScanner,
  index: Index,
  retentionEntries: number,
): Promise<void> {
  if (!requestSweepDue(index, retentionEntries)) return
  const end = index - retentionEntries
  // Blocks starting in (end - SWEEP - BLOCK, end - BLOCK]: those whose last index is below end.
  const expired = await committed.range({
    gte: expiryIndexPrefix(Math.max(0, end - SWEEP_EVERY_ENTRIES - EXPIRY_BLOCK_ENTRIES + 1)),
    lt: expiryIndexPrefix(end - EXPIRY_BLOCK_ENTRIES + 1),
    // Room for one window's legacy per-id keys and its blocks (a window may hold both once).
    limit: SWEEP_EVERY_ENTRIES + SWEEP_EVERY_ENTRIES / EXPIRY_BLOCK_ENTRIES,
  })
  for (const [key, ids] of expired) {
    tx.del(key)
    // A key written before blocks existed (`reqexp/<index>/<id>`, empty) names its one id.
    if (key.length > BLOCK_KEY_LENGTH) tx.del(REQUEST_PREFIX + key.slice(BLOCK_KEY_LENGTH + 1))
    else for (const id of idsInBlock(ids)) tx.del(REQUEST_PREFIX + id)
  }
}

function expiryIndexPrefix(index: Index): string {
  return blockKey(EXPIRY_PREFIX, index)
}
