/**
 * Byte layout of the Raft records kept on disk: log entries, hard state and snapshot metadata as
 * msgpack tuples, and log indexes as fixed-width big-endian keys. Decoding validates every field,
 * because what comes back from disk is a boundary: a damaged record must be reported with its key,
 * never handed to the core half-parsed.
 */
import { Packr } from 'msgpackr'
import type { ConfChange, ConfState, Entry, HardState, Index, SnapshotMeta } from '../raft/types.js'

/** Plain msgpack (no record extension) so the bytes do not depend on what else this process packed. */
const packr = new Packr({ useRecords: false })

export class CorruptRecordError extends Error {
  constructor(what: string, detail: string) {
    super(`corrupt ${what} in storage: ${detail}`)
    this.name = 'CorruptRecordError'
  }
}

/** Big-endian so LevelDB's bytewise key order is numeric order and index ranges iterate in order. */
export function encodeIndexKey(index: Index): Uint8Array {
  const key = Buffer.allocUnsafe(8)
  writeIndexBigEndian(key, 0, index)
  return key
}

/** Writes a log index as 8 bytes big-endian at `offset` (two 32-bit halves: no BigInt per key). */
export function writeIndexBigEndian(target: Buffer, offset: number, index: Index): void {
  target.writeUInt32BE(Math.floor(index / 0x1_0000_0000), offset)
  target.writeUInt32BE(index >>> 0, offset + 4)
}

export function decodeIndexKey(key: Uint8Array): Index {
  if (key.byteLength !== 8) throw new CorruptRecordError('log key', `expected 8 bytes, got ${key.byteLength}`)
  const index = new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0)
  if (index > BigInt(Number.MAX_SAFE_INTEGER)) throw new CorruptRecordError('log key', `index ${index} out of range`)
  return Number(index)
}

const ENTRY_COMMAND = 0
const ENTRY_NOOP = 1
const ENTRY_CONFIG = 2

const CHANGE_TAGS = ['addVoter', 'addLearner', 'promoteLearner', 'removeNode'] as const

export function encodeEntry(entry: Entry): Uint8Array {
  switch (entry.kind) {
    case 'command':
      return packr.pack([ENTRY_COMMAND, entry.term, entry.index, entry.data])
    case 'noop':
      return packr.pack([ENTRY_NOOP, entry.term, entry.index])
    case 'config':
      return packr.pack([ENTRY_CONFIG, entry.term, entry.index, encodeConfChange(entry.change)])
  }
}

export function decodeEntry(bytes: Uint8Array): Entry {
  const what = 'log entry'
  const tuple = unpackArray(bytes, what)
  const term = readCount(tuple[1], what, 'term')
  const index = readCount(tuple[2], what, 'index')
  switch (tuple[0]) {
    case ENTRY_COMMAND:
      return { kind: 'command', term, index, data: readBytes(tuple[3], what, 'data') }
    case ENTRY_NOOP:
      return { kind: 'noop', term, index }
    case ENTRY_CONFIG:
      return { kind: 'config', term, index, change: decodeConfChange(tuple[3]) }
    default:
      throw new CorruptRecordError(what, `unknown kind tag ${String(tuple[0])} at index ${index}`)
  }
}

function encodeConfChange(change: ConfChange): unknown[] {
  const tag = CHANGE_TAGS.indexOf(change.type)
  const context = 'context' in change ? change.context : undefined
  return context === undefined ? [tag, change.node] : [tag, change.node, context]
}

function decodeConfChange(value: unknown): ConfChange {
  const what = 'configuration change'
  if (!Array.isArray(value)) throw new CorruptRecordError(what, 'not a tuple')
  const type = CHANGE_TAGS[typeof value[0] === 'number' ? value[0] : -1]
  const node = readString(value[1], what, 'node')
  const context = value[2] === undefined ? undefined : readBytes(value[2], what, 'context')
  switch (type) {
    case 'addVoter':
    case 'addLearner':
      return context === undefined ? { type, node } : { type, node, context }
    case 'promoteLearner':
    case 'removeNode':
      return { type, node }
    default:
      throw new CorruptRecordError(what, `unknown change tag ${String(value[0])}`)
  }
}

export function encodeHardState(state: HardState): Uint8Array {
  return packr.pack([state.term, state.vote, state.commit])
}

export function decodeHardState(bytes: Uint8Array): HardState {
  const what = 'hard state'
  const tuple = unpackArray(bytes, what)
  const vote = tuple[1] === null ? null : readString(tuple[1], what, 'vote')
  return { term: readCount(tuple[0], what, 'term'), vote, commit: readCount(tuple[2], what, 'commit') }
}

export function encodeSnapshotMeta(meta: SnapshotMeta): Uint8Array {
  return packr.pack([meta.index, meta.term, meta.conf.voters, meta.conf.learners])
}

export function decodeSnapshotMeta(bytes: Uint8Array): SnapshotMeta {
  const what = 'snapshot metadata'
  const tuple = unpackArray(bytes, what)
  const conf: ConfState = {
    voters: readStrings(tuple[2], what, 'voters'),
    learners: readStrings(tuple[3], what, 'learners'),
  }
  return { index: readCount(tuple[0], what, 'index'), term: readCount(tuple[1], what, 'term'), conf }
}

function unpackArray(bytes: Uint8Array, what: string): unknown[] {
  let value: unknown
  try {
    value = packr.unpack(bytes)
  } catch (error) {
    throw new CorruptRecordError(what, `not msgpack (${(error as Error).message})`)
  }
  if (!Array.isArray(value)) throw new CorruptRecordError(what, 'not a tuple')
  return value
}

function readCount(value: unknown, what: string, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new CorruptRecordError(what, `${field} is ${String(value)}, expected a non-negative integer`)
  }
  return value
}

function readString(value: unknown, what: string, field: string): string {
  if (typeof value !== 'string') throw new CorruptRecordError(what, `${field} is not a string`)
  return value
}

function readStrings(value: unknown, what: string, field: string): string[] {
  if (!Array.isArray(value)) throw new CorruptRecordError(what, `${field} is not a list`)
  return value.map((item, i) => readString(item, what, `${field}[${i}]`))
}

function readBytes(value: unknown, what: string, field: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw new CorruptRecordError(what, `${field} is not bytes`)
  return value
}
