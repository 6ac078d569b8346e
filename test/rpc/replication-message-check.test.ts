import t from 'tap'
import fc from 'fast-check'
import type { Message } from '../../raft/types.js'
import { decodeFrame, encodeFrame } from '../../src/rpc/frame-codec.js'
import { raftMessageSchema } from '../../src/rpc/raft-message-schema.js'
import { isReplicationBatch, isReplicationMessage } from '../../src/rpc/replication-message-check.js'

const node = fc.constantFrom('nyc-1', 'nyc-2', 'x'.repeat(64))
const n = fc.oneof(fc.nat({ max: 1_000_000 }), fc.constant(Number.MAX_SAFE_INTEGER))
const context = fc.option(fc.string({ maxLength: 256 }), { nil: null })
const envelope = { from: node, to: node, term: n }
const entry = fc.oneof(
  fc.record({ kind: fc.constant('command' as const), term: n, index: n, data: fc.uint8Array({ maxLength: 32 }) }),
  fc.record({ kind: fc.constant('noop' as const), term: n, index: n }),
)
const replication: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ ...envelope, type: fc.constant('append' as const), prevLogIndex: n, prevLogTerm: n, entries: fc.array(entry, { maxLength: 5 }), commit: n }),
  fc.record({ ...envelope, type: fc.constant('appendResponse' as const), index: n, reject: fc.boolean(), hintIndex: n, hintTerm: n }),
  fc.record({ ...envelope, type: fc.constant('heartbeat' as const), commit: n, readContext: context }),
  fc.record({ ...envelope, type: fc.constant('heartbeatResponse' as const), readContext: context }),
)

/** Values a damaged or hostile frame might put in a field. */
const junk = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.constant(-1),
  fc.constant(1.5),
  fc.constant(2 ** 53),
  fc.constant(Number.NaN),
  fc.constant(''),
  fc.constant('y'.repeat(65)),
  fc.constant('z'.repeat(257)),
  fc.constant(true),
  fc.constant([]),
  fc.constant({}),
  fc.constant(new Uint8Array(2)),
  fc.constant('append'),
  fc.constant('command'),
  fc.constant('config'),
  fc.string({ maxLength: 4 }),
  fc.integer(),
)

type Loose = Record<string, unknown>

/** One damage at a random depth: a field replaced, removed or added, in the message or an entry. */
function damage(message: Message, pick: number, value: unknown, extraKey: string): unknown {
  const copy: Loose = { ...message }
  const entries = Array.isArray(copy.entries) ? (copy.entries as Loose[]).map((e) => ({ ...e })) : null
  if (entries !== null) copy.entries = entries
  const target: Loose = entries !== null && entries.length > 0 && pick % 2 === 1 ? entries[pick % entries.length]! : copy
  const keys = Object.keys(target)
  const key = keys[pick % keys.length]!
  switch (pick % 3) {
    case 0:
      target[key] = value
      break
    case 1:
      delete target[key]
      break
    default:
      target[extraKey] = value
  }
  return copy
}

t.test('every replication message is accepted, as the schema accepts it', async (t) => {
  fc.assert(
    fc.property(replication, (message) => {
      const decoded = decodeFrame(encodeFrame([message]))
      if (!decoded.ok) return false
      return isReplicationMessage(message) && isReplicationBatch(decoded.value, 10) && raftMessageSchema.safeParse(message).success
    }),
    { numRuns: 500 },
  )
  t.pass('accepted, also after a round trip through the frame codec')
})

t.test('it never accepts what the schema refuses', async (t) => {
  let refused = 0
  fc.assert(
    fc.property(replication, fc.nat(), junk, fc.constantFrom('extra', 'type', 'kind', '__proto__'), (message, pick, value, extraKey) => {
      const damaged = damage(message, pick, value, extraKey)
      const fast = isReplicationMessage(damaged)
      const schema = raftMessageSchema.safeParse(damaged).success
      if (!fast) refused++
      return !fast || schema
    }),
    { numRuns: 3000 },
  )
  t.ok(refused > 1000, `most damaged messages are refused by the fast check (${refused})`)
})

t.test('other message types and batch sizes are left to the schema', async (t) => {
  const vote: Message = { type: 'vote', from: 'a', to: 'b', term: 1, lastLogIndex: 0, lastLogTerm: 0, transfer: false }
  const config: Message = {
    type: 'append', from: 'a', to: 'b', term: 1, prevLogIndex: 0, prevLogTerm: 0, commit: 0,
    entries: [{ kind: 'config', term: 1, index: 1, change: { type: 'removeNode', node: 'c' } }],
  }
  const heartbeat: Message = { type: 'heartbeat', from: 'a', to: 'b', term: 1, commit: 0, readContext: null }
  t.notOk(isReplicationMessage(vote), 'a vote')
  t.notOk(isReplicationMessage(config), 'an append carrying a config entry')
  t.notOk(isReplicationMessage(Object.assign(Object.create({ extra: 1 }) as object, heartbeat)), 'an object with another prototype')
  t.notOk(isReplicationBatch([], 4), 'an empty batch')
  t.notOk(isReplicationBatch([heartbeat, heartbeat, heartbeat], 2), 'a batch over the limit')
  t.notOk(isReplicationBatch(heartbeat, 2), 'a message that is not in an array')
  t.ok(isReplicationBatch([heartbeat, heartbeat], 2))
})
