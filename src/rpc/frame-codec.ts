/**
 * Bytes <-> values for every WebSocket frame (client RPC and peer traffic). Plain msgpack maps
 * (no msgpackr records) so any msgpack implementation can talk to a replica; decoding never
 * throws, because frames come from the network and a bad one must become an answer, not a crash.
 */
import { Packr } from 'msgpackr'
import type { RawData } from 'ws'

// copyBuffers: decoded byte strings must not pin the whole receive buffer while Raft keeps them.
const packr = new Packr({ useRecords: false, mapsAsObjects: true, copyBuffers: true })

export type DecodedFrame = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly reason: string }

export function encodeFrame(value: unknown): Buffer {
  return packr.pack(value)
}

/**
 * The frame `encodeFrame(values)` gives for an array, from its elements encoded one by one with
 * `encodeFrame`: a msgpack array header, then the elements' bytes. A sender that packs messages
 * into frames up to a size limit encodes each message once this way, instead of encoding a whole
 * batch to learn that it is too big and again for each half.
 */
export function encodeArrayFrame(encodedElements: readonly Uint8Array[]): Buffer {
  const count = encodedElements.length
  let header: Buffer
  if (count < 16) header = Buffer.from([0x90 | count])
  else if (count <= 0xffff) header = Buffer.from([0xdc, count >> 8, count & 0xff])
  else {
    header = Buffer.allocUnsafe(5)
    header[0] = 0xdd
    header.writeUInt32BE(count, 1)
  }
  return Buffer.concat([header, ...encodedElements])
}

/** Bytes `encodeArrayFrame` adds to its elements' at most. */
export const ARRAY_FRAME_HEADER_BYTES = 5

export function decodeFrame(bytes: Uint8Array): DecodedFrame {
  if (bytes.length === 0) return { ok: false, reason: 'empty frame' }
  try {
    return { ok: true, value: packr.unpack(bytes) }
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) }
  }
}

/** ws hands binary messages over as one Buffer by default; the other shapes are handled for safety. */
export function rawBytes(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}
