/**
 * The table of applied request ids, part of the replicated keyspace (so it survives restarts and
 * travels in snapshots): a retried proposal is answered with its recorded outcome and not applied
 * again. Ids are forgotten once they are `retentionEntries` log entries old, a window that bounds
 * the table's size; a client retrying across more entries than that would apply twice, so the
 * window is far larger than any retry horizon (see docs/DESIGN.md).
 */
import { Packr } from 'msgpackr'
import type { Index } from '../../raft/types.js'
import type { KeyspaceTransaction } from './keyspace-transaction.js'
import type { OfficeOutcome } from './office-command.js'

const REQUEST_PREFIX = 'req/'
const EXPIRY_PREFIX = 'reqexp/'
/** Expiry keys sort by index: a fixed-width decimal. */
const INDEX_WIDTH = 16

export const DEFAULT_RETENTION_ENTRIES = 200_000
/** Expired ids are swept every this many entries, in one bounded range read. */
export const SWEEP_EVERY_ENTRIES = 1024

const packr = new Packr({ useRecords: false })

export interface ExpiryScanner {
  range(range: { gte: string; lt: string; limit: number }): Promise<Array<[string, Uint8Array]>>
}

/** Where a request id's outcome is recorded (so a batch can prefetch it). */
export function appliedRequestKey(requestId: string): string {
  return REQUEST_PREFIX + requestId
}

/** Whether a key belongs to the applied-request table (records or their expiry index). */
export function isAppliedRequestKey(key: string): boolean {
  return key.startsWith(REQUEST_PREFIX) || key.startsWith(EXPIRY_PREFIX)
}

export async function findAppliedRequest(tx: KeyspaceTransaction, requestId: string): Promise<OfficeOutcome | null> {
  const bytes = await tx.get(appliedRequestKey(requestId))
  return bytes === undefined ? null : ((packr.unpack(bytes) as { outcome: OfficeOutcome }).outcome)
}

export function recordAppliedRequest(tx: KeyspaceTransaction, requestId: string, index: Index, outcome: OfficeOutcome): void {
  tx.put(appliedRequestKey(requestId), packr.pack({ index, outcome }))
  tx.put(expiryKey(index, requestId), new Uint8Array(0))
}

/**
 * Deletes the ids applied in the window [index - retention - SWEEP, index - retention). Sweeps
 * run only at multiples of the sweep interval, so their windows are disjoint and every replica
 * deletes the same keys whatever its batch boundaries; the window is long committed, so reading it
 * from the committed keyspace is exact.
 */
export async function sweepExpiredRequests(
  tx: KeyspaceTransaction,
  committed: ExpiryScanner,
  index: Index,
  retentionEntries: number,
): Promise<void> {
  if (index % SWEEP_EVERY_ENTRIES !== 0 || index <= retentionEntries) return
  const end = index - retentionEntries
  const expired = await committed.range({
    gte: expiryIndexPrefix(Math.max(0, end - SWEEP_EVERY_ENTRIES)),
    lt: expiryIndexPrefix(end),
    limit: SWEEP_EVERY_ENTRIES,
  })
  for (const [key] of expired) {
    tx.del(key)
    tx.del(REQUEST_PREFIX + key.slice(EXPIRY_PREFIX.length + INDEX_WIDTH + 1))
  }
}

function expiryIndexPrefix(index: Index): string {
  return EXPIRY_PREFIX + String(index).padStart(INDEX_WIDTH, '0')
}

function expiryKey(index: Index, requestId: string): string {
  return `${expiryIndexPrefix(index)}/${requestId}`
}
