/** Reads of the KV store from an office's applied state (callers decide linearizable or stale). */
import type { StateMachineStore } from '../../storage/state-machine-store.js'
import type { KvResult } from './kv-command.js'
import { KV_PREFIX, KV_REVISION_KEY, decodeKvRecord, decodeRevision, kvStorageKey } from './kv-keyspace.js'

export async function readKvKey(store: StateMachineStore, key: string): Promise<KvResult> {
  // One LevelDB call reads both from one snapshot: the store revision is the one the value belongs to.
  const [bytes, revisionBytes] = await store.getMany([kvStorageKey(key), KV_REVISION_KEY])
  const storeRevision = decodeRevision(revisionBytes)
  if (bytes === undefined) return { key, value: null, revision: 0, storeRevision }
  const record = decodeKvRecord(bytes)
  return { key, value: record.value, revision: record.modRevision, storeRevision }
}

export interface KvRangeResult {
  readonly entries: ReadonlyArray<{ readonly key: string; readonly value: string; readonly revision: number }>
  readonly storeRevision: number
}

export async function readKvPrefix(store: StateMachineStore, prefix: string, limit: number): Promise<KvRangeResult> {
  const { pairs, value: revisionBytes } = await store.rangeWithKey({ prefix: kvStorageKey(prefix), limit }, KV_REVISION_KEY)
  return {
    entries: pairs.map(([storageKey, bytes]) => {
      const record = decodeKvRecord(bytes)
      return { key: storageKey.slice(KV_PREFIX.length), value: record.value, revision: record.modRevision }
    }),
    storeRevision: decodeRevision(revisionBytes),
  }
}
