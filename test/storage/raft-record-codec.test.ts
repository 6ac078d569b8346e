import t from 'tap'
import fc from 'fast-check'
import type { ConfChange, Entry } from '../../raft/types.js'
import {
  CorruptRecordError,
  decodeEntry,
  decodeHardState,
  decodeIndexKey,
  decodeSnapshotMeta,
  encodeEntry,
  encodeHardState,
  encodeIndexKey,
  encodeSnapshotMeta,
} from '../../storage/raft-record-codec.js'
import { Packr } from 'msgpackr'

const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER })
const nodeId = fc.string({ minLength: 1, maxLength: 12 })
const bytes = fc.uint8Array({ maxLength: 64 })
const change: fc.Arbitrary<ConfChange> = fc.oneof(
  fc.record({ type: fc.constant('addVoter' as const), node: nodeId }),
  fc.record({ type: fc.constant('addLearner' as const), node: nodeId, context: bytes }),
  fc.record({ type: fc.constant('promoteLearner' as const), node: nodeId }),
  fc.record({ type: fc.constant('removeNode' as const), node: nodeId }),
)
const entry: fc.Arbitrary<Entry> = fc.oneof(
  fc.record({ kind: fc.constant('command' as const), term: count, index: count, data: bytes }),
  fc.record({ kind: fc.constant('noop' as const), term: count, index: count }),
  fc.record({ kind: fc.constant('config' as const), term: count, index: count, change }),
)

/** Buffers come back from msgpack; compare them as plain byte arrays. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] }
  if (typeof value !== 'object' || value === null) return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]))
}

t.test('every entry kind round-trips', async (t) => {
  fc.assert(
    fc.property(entry, (e) => {
      t.same(plain(decodeEntry(encodeEntry(e))), plain(e))
    }),
    { numRuns: 300 },
  )
})

t.test('index keys sort bytewise in numeric order and round-trip', async (t) => {
  fc.assert(
    fc.property(count, count, (a, b) => {
      const ka = Buffer.from(encodeIndexKey(a))
      const kb = Buffer.from(encodeIndexKey(b))
      t.equal(Math.sign(Buffer.compare(ka, kb)), Math.sign(a - b))
      t.equal(decodeIndexKey(ka), a)
    }),
    { numRuns: 300 },
  )
})

t.test('hard state and snapshot metadata round-trip', async (t) => {
  t.same(decodeHardState(encodeHardState({ term: 7, vote: 'n2', commit: 41 })), { term: 7, vote: 'n2', commit: 41 })
  t.same(decodeHardState(encodeHardState({ term: 0, vote: null, commit: 0 })), { term: 0, vote: null, commit: 0 })
  const meta = { index: 100, term: 3, conf: { voters: ['a', 'b', 'c'], learners: ['d'] } }
  t.same(decodeSnapshotMeta(encodeSnapshotMeta(meta)), meta)
})

t.test('damaged records are reported with what they are', async (t) => {
  const packr = new Packr({ useRecords: false })
  t.throws(() => decodeEntry(Uint8Array.of(0xc1)), CorruptRecordError)
  t.throws(() => decodeEntry(packr.pack([9, 1, 1])), /corrupt log entry in storage: unknown kind tag 9/)
  t.throws(() => decodeEntry(packr.pack([0, -1, 1, Buffer.alloc(1)])), /term is -1/)
  t.throws(() => decodeEntry(packr.pack([0, 1, 1, 'text'])), /data is not bytes/)
  t.throws(() => decodeHardState(packr.pack({ term: 1 })), /corrupt hard state in storage: not a tuple/)
  t.throws(() => decodeSnapshotMeta(packr.pack([1, 1, 'a', []])), /voters is not a list/)
  t.throws(() => decodeIndexKey(Uint8Array.of(1, 2)), /expected 8 bytes/)
})
