/**
 * Expiry blocks: the keys that list, per range of log indexes, which ids (request ids, client
 * sessions) were used there, so a sweep finds what has grown old with one read per block. A block
 * is `<prefix><first index, 16 digits>` (sorting by index) holding msgpack strings concatenated in
 * first-use order: its bytes depend only on the entries in its range, never on how they were
 * batched.
 */
import { Packr } from 'msgpackr'
import type { Index } from '../../raft/types.js'
import type { KeyspaceTransaction } from './keyspace-transaction.js'

const INDEX_WIDTH = 16
const packr = new Packr({ useRecords: false })

/** The key of the block starting at `first`. */
export function blockKey(prefix: string, first: Index): string {
  return prefix + String(first).padStart(INDEX_WIDTH, '0')
}

/** The length of a block key under `prefix` (longer keys under it are an older per-id layout). */
export function blockKeyLength(prefix: string): number {
  return prefix.length + INDEX_WIDTH
}

/** Appends `ids` to the block at `key`, in order, as the batch has it so far. */
export async function appendToBlock(tx: KeyspaceTransaction, key: string, ids: readonly string[]): Promise<void> {
  const earlier = await tx.get(key)
  const added = ids.map((id) => packr.pack(id))
  tx.put(key, Buffer.concat(earlier === undefined ? added : [earlier, ...added]))
}

/** The ids a block lists, in the order they were appended. */
export function idsInBlock(bytes: Uint8Array): string[] {
  return packr.unpackMultiple(bytes) as string[]
}
