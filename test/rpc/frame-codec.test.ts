import t from 'tap'
import fc from 'fast-check'
import type { Entry, Message } from '../../raft/types.js'
import { requestFrameSchema, responseFrameSchema } from '../../src/rpc/client-protocol.js'
import { decodeFrame, encodeArrayFrame, encodeFrame } from '../../src/rpc/frame-codec.js'
import { raftMessageSchema } from '../../src/rpc/raft-message-schema.js'
import { bytesAsArrays } from './fixtures/bytes-as-arrays.js'

const node = fc.constantFrom('nyc-1', 'nyc-2', 'nyc-3')
const n = fc.nat({ max: 1_000_000 })
const bytes = fc.uint8Array({ maxLength: 64 })
const context = fc.string({ maxLength: 20 })

const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ kind: fc.constant('command' as const), term: n, index: n, data: bytes }),
  fc.record({ kind: fc.constant('noop' as const), term: n, index: n }),
  fc.record({
    kind: fc.constant('config' as const),
    term: n,
    index: n,
    change: fc.oneof(
      fc.record({ type: fc.constant('addVoter' as const), node }),
      fc.record({ type: fc.constant('addLearner' as const), node, context: bytes }),
      fc.record({ type: fc.constant('promoteLearner' as const), node }),
      fc.record({ type: fc.constant('removeNode' as const), node }),
    ),
  }),
)

const envelope = { from: node, to: node, term: n }
const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({ ...envelope, type: fc.constant('preVote' as const), lastLogIndex: n, lastLogTerm: n }),
  fc.record({ ...envelope, type: fc.constant('preVoteResponse' as const), granted: fc.boolean() }),
  fc.record({ ...envelope, type: fc.constant('vote' as const), lastLogIndex: n, lastLogTerm: n, transfer: fc.boolean() }),
  fc.record({ ...envelope, type: fc.constant('voteResponse' as const), granted: fc.boolean() }),
  fc.record({ ...envelope, type: fc.constant('append' as const), prevLogIndex: n, prevLogTerm: n, entries: fc.array(entry, { maxLength: 5 }), commit: n }),
  fc.record({ ...envelope, type: fc.constant('appendResponse' as const), index: n, reject: fc.boolean(), hintIndex: n, hintTerm: n }),
  fc.record({ ...envelope, type: fc.constant('heartbeat' as const), commit: n, readContext: fc.option(context, { nil: null }) }),
  fc.record({ ...envelope, type: fc.constant('heartbeatResponse' as const), readContext: fc.option(context, { nil: null }) }),
  fc.record({
    ...envelope,
    type: fc.constant('snapshot' as const),
    meta: fc.record({ index: n, term: n, conf: fc.record({ voters: fc.array(node, { maxLength: 3 }), learners: fc.array(node, { maxLength: 2 }) }) }),
    offset: n,
    chunk: bytes,
    done: fc.boolean(),
  }),
  fc.record({ ...envelope, type: fc.constant('snapshotResponse' as const), snapshotIndex: n, nextOffset: n, reject: fc.boolean(), done: fc.boolean() }),
  fc.record({ ...envelope, type: fc.constant('timeoutNow' as const) }),
  fc.record({ ...envelope, type: fc.constant('readIndex' as const), context }),
  fc.record({ ...envelope, type: fc.constant('readIndexResponse' as const), context, index: fc.option(n, { nil: null }) }),
)

t.test('every Raft message survives encode, decode and validation unchanged', async (t) => {
  fc.assert(
    fc.property(fc.array(message, { minLength: 1, maxLength: 8 }), (batch) => {
      const decoded = decodeFrame(encodeFrame(batch))
      if (!decoded.ok) return false
      const parsed = raftMessageSchema.array().safeParse(decoded.value)
      return parsed.success && t.same(bytesAsArrays(parsed.data), bytesAsArrays(batch)) !== false
    }),
    { numRuns: 300, seed: 7 },
  )
})

t.test('request and response frames round trip', async (t) => {
  const request = { id: 'c1-1', method: 'kv.put', params: { key: 'k', value: new Uint8Array([1, 2]) } }
  const decoded = decodeFrame(encodeFrame(request))
  t.ok(decoded.ok && requestFrameSchema.safeParse(decoded.value).success)
  const responses = [
    { id: 'c1-1', result: { revision: 3 } },
    { id: 'c1-1', error: { code: 'NOT_LEADER', message: 'ask nyc-2', details: { leader: 'nyc-2', leaderUrl: 'ws://127.0.0.1:7102/client' } } },
    { id: null, error: { code: 'BAD_REQUEST', message: 'frame is not valid msgpack', details: null } },
  ]
  for (const response of responses) {
    const back = decodeFrame(encodeFrame(response))
    t.ok(back.ok)
    if (back.ok) t.same(responseFrameSchema.parse(back.value), response)
  }
  t.notOk(responseFrameSchema.safeParse({ id: 'x', error: { code: 'NOT_LEADER', message: 'm', details: null } }).success, 'NOT_LEADER must say where the leader is')
  t.notOk(responseFrameSchema.safeParse({ id: 'x', error: { code: 'OOPS', message: 'm', details: null } }).success, 'codes are a closed set')
})

t.test('decoding arbitrary bytes never throws', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (input) => {
      const decoded = decodeFrame(input)
      return decoded.ok || decoded.reason.length > 0
    }),
    { numRuns: 2000, seed: 11 },
  )
  t.same(decodeFrame(new Uint8Array(0)), { ok: false, reason: 'empty frame' })
  t.match(decodeFrame(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])), { ok: false, reason: /end of MessagePack data/ }, 'a huge declared length is refused, not allocated')
})

t.test('an array frame built from elements encoded one by one is the frame of the whole array, byte for byte', async (t) => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 40 }), (messages) => {
      t.equal(Buffer.compare(encodeArrayFrame(messages.map((m) => encodeFrame(m))), encodeFrame(messages)), 0)
    }),
    { numRuns: 200 },
  )
  // Every header size: fixarray (up to 15), array 16 (up to 65,535), array 32.
  for (const count of [0, 1, 15, 16, 65_535, 65_536, 70_000]) {
    const values = Array.from({ length: count }, (_, i) => i % 300)
    t.equal(Buffer.compare(encodeArrayFrame(values.map((v) => encodeFrame(v))), encodeFrame(values)), 0, `${count} elements`)
  }
})
