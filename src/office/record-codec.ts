/**
 * The msgpack encoding of one kind of record in an office's replicated keyspace. Plain maps (no
 * msgpackr record extension), so the bytes do not depend on what else a process encoded before.
 */
import { Packr } from 'msgpackr'

export interface RecordCodec<T> {
  encode(value: T): Uint8Array
  decode(bytes: Uint8Array): T
}

const packr = new Packr({ useRecords: false })

export function recordCodec<T>(): RecordCodec<T> {
  return { encode: (value) => packr.pack(value), decode: (bytes) => packr.unpack(bytes) as T }
}
