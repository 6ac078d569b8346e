/**
 * Where the KV store lives inside an office's state-machine keyspace, and how its records are
 * encoded. Keeping the layout in one place lets reads and the apply path agree on it.
 */
import { Packr } from 'msgpackr'

export const KV_PREFIX = 'kv/'
export const KV_REVISION_KEY = 'kvmeta/revision'

/** A stored key: its value and the revisions etcd-style clients expect. */
export interface KvRecord {
  readonly value: string
  readonly createRevision: number
  readonly modRevision: number
  /** Number of writes since the key was (re)created. */
  readonly version: number
}

const packr = new Packr({ useRecords: false })

export function kvStorageKey(key: string): string {
  return KV_PREFIX + key
}

export function encodeKvRecord(record: KvRecord): Uint8Array {
  return packr.pack([record.value, record.createRevision, record.modRevision, record.version])
}

export function decodeKvRecord(bytes: Uint8Array): KvRecord {
  const [value, createRevision, modRevision, version] = packr.unpack(bytes) as [string, number, number, number]
  return { value, createRevision, modRevision, version }
}

export function encodeRevision(revision: number): Uint8Array {
  return packr.pack(revision)
}

export function decodeRevision(bytes: Uint8Array | undefined): number {
  return bytes === undefined ? 0 : (packr.unpack(bytes) as number)
}
