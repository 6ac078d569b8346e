/**
 * A hand-written check of the messages of steady replication (appends of command and noop entries,
 * their answers, heartbeats and theirs), which are nearly all a replica receives under load. The
 * zod schema costs about 3 µs per entry on every follower, for every put; this check is a few
 * property reads. It accepts a SUBSET of what `raftMessageSchema` accepts, field for field
 * (test/rpc/replication-message-check.test.ts holds it to that on random and damaged messages);
 * whatever it does not accept goes through the schema, which also words the error.
 */
import type { Message } from '../../raft/types.js'
import { MAX_CONTEXT_LENGTH, MAX_ID_LENGTH } from './raft-message-schema.js'

type Fields = Record<string, unknown>

/** Whether `value` is an array of 1 to `maxMessages` replication messages. */
export function isReplicationBatch(value: unknown, maxMessages: number): value is Message[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > maxMessages) return false
  for (const message of value) if (!isReplicationMessage(message)) return false
  return true
}

export function isReplicationMessage(value: unknown): value is Message {
  if (!isPlainObject(value) || !isNodeId(value.from) || !isNodeId(value.to) || !isNatural(value.term)) return false
  switch (value.type) {
    case 'append':
      return hasKeys(value, 8) && isNatural(value.prevLogIndex) && isNatural(value.prevLogTerm) && isNatural(value.commit) && areEntries(value.entries)
    case 'appendResponse':
      return hasKeys(value, 8) && isNatural(value.index) && typeof value.reject === 'boolean' && isNatural(value.hintIndex) && isNatural(value.hintTerm)
    case 'heartbeat':
      return hasKeys(value, 6) && isNatural(value.commit) && isReadContext(value.readContext)
    case 'heartbeatResponse':
      return hasKeys(value, 5) && isReadContext(value.readContext)
    default:
      return false
  }
}

function areEntries(value: unknown): boolean {
  if (!Array.isArray(value)) return false
  for (const entry of value) {
    if (!isPlainObject(entry) || !isNatural(entry.term) || !isNatural(entry.index)) return false
    if (entry.kind === 'command') {
      if (!hasKeys(entry, 4) || !(entry.data instanceof Uint8Array)) return false
    } else if (entry.kind !== 'noop' || !hasKeys(entry, 3)) return false
  }
  return true
}

/** Plain objects only (no inherited keys to miss): anything with another prototype is left to the schema. */
function isPlainObject(value: unknown): value is Fields {
  if (typeof value !== 'object' || value === null) return false
  const prototype: unknown = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/**
 * Every field the caller checks is present (it checked each one's type), so `count` own keys mean
 * no unknown ones, as the schema's strict objects require.
 */
function hasKeys(value: Fields, count: number): boolean {
  return Object.keys(value).length === count
}

function isNatural(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function isNodeId(value: unknown): boolean {
  return typeof value === 'string' && value.length >= 1 && value.length <= MAX_ID_LENGTH
}

function isReadContext(value: unknown): boolean {
  return value === null || (typeof value === 'string' && value.length <= MAX_CONTEXT_LENGTH)
}
