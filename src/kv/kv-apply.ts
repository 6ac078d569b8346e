/** Applies KV commands to an office's keyspace: deterministic, so every replica computes the same. */
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import type { KvCommand, KvExpectation, KvResult } from './kv-command.js'
import { KV_REVISION_KEY, decodeKvRecord, decodeRevision, encodeKvRecord, encodeRevision, kvStorageKey, type KvRecord } from './kv-keyspace.js'

export async function applyKvCommand(command: KvCommand, tx: KeyspaceTransaction): Promise<KvResult> {
  const storageKey = kvStorageKey(command.key)
  const currentBytes = await tx.get(storageKey)
  const current = currentBytes === undefined ? null : decodeKvRecord(currentBytes)
  const storeRevision = decodeRevision(await tx.get(KV_REVISION_KEY))

  switch (command.op) {
    case 'put':
      return write(tx, command.key, command.value, current, storeRevision)
    case 'delete': {
      if (current === null) return { key: command.key, value: null, revision: 0, storeRevision }
      const revision = storeRevision + 1
      tx.del(storageKey)
      tx.put(KV_REVISION_KEY, encodeRevision(revision))
      return { key: command.key, value: null, revision: 0, storeRevision: revision }
    }
    case 'cas': {
      if (!expectationHolds(command.expected, current)) {
        return {
          key: command.key,
          value: current?.value ?? null,
          revision: current?.modRevision ?? 0,
          storeRevision,
          ok: false,
        }
      }
      return { ...write(tx, command.key, command.value, current, storeRevision), ok: true }
    }
  }
}

function write(tx: KeyspaceTransaction, key: string, value: string, current: KvRecord | null, storeRevision: number): KvResult {
  const revision = storeRevision + 1
  const record: KvRecord = {
    value,
    createRevision: current?.createRevision ?? revision,
    modRevision: revision,
    version: (current?.version ?? 0) + 1,
  }
  tx.put(kvStorageKey(key), encodeKvRecord(record))
  tx.put(KV_REVISION_KEY, encodeRevision(revision))
  return { key, value, revision, storeRevision: revision }
}

function expectationHolds(expected: KvExpectation, current: KvRecord | null): boolean {
  if ('revision' in expected) return (current?.modRevision ?? 0) === expected.revision
  return (current?.value ?? null) === expected.value
}
