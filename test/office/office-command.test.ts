/**
 * Proposals as they travel in log entries: decoding gives back what was encoded, from any view of
 * the bytes, leaves the entry's own buffer as it was (the Raft log keeps it until a snapshot), and
 * turns damage into a `corrupt` answer instead of a throw.
 */
import t from 'tap'
import { decodeProposal, encodeProposal, type OfficeProposal } from '../../src/office/office-command.js'

const proposal: OfficeProposal = {
  requestId: 'c1-7',
  session: { client: 'c1', sequence: 7, settledBelow: 5 },
  command: { kind: 'kv', command: { op: 'put', key: 'k0000000000000042', value: 'v'.repeat(100) } },
  atMs: 1_795_000_000_000,
}

t.test('a proposal decodes to what was encoded, from a Buffer or a plain Uint8Array view at an offset', async (t) => {
  const bytes = encodeProposal(proposal)
  t.same(decodeProposal(bytes), proposal)
  const padded = new Uint8Array(bytes.length + 9)
  padded.set(bytes, 5)
  t.same(decodeProposal(padded.subarray(5, 5 + bytes.length)), proposal)
})

t.test('decoding leaves no property on the entry\'s buffer (msgpackr caches a DataView on what it reads)', async (t) => {
  const bytes = encodeProposal(proposal)
  decodeProposal(bytes)
  decodeProposal(bytes)
  t.same(Object.getOwnPropertyNames(bytes).filter((name) => !/^\d+$/.test(name)), [])
})

t.test('byte strings decoded from an entry have buffers of their own, not the entry\'s', async (t) => {
  const moved = { ...proposal, command: { kind: 'directory', command: { op: 'import', records: [['person/ann', new Uint8Array([1, 2, 3])]] } } } as unknown as OfficeProposal
  const bytes = encodeProposal(moved)
  const chunk = new Uint8Array(65536)
  chunk.set(bytes, 100)
  const decoded = decodeProposal(chunk.subarray(100, 100 + bytes.length)) as unknown as { command: { command: { records: Array<[string, Uint8Array]> } } }
  const value = decoded.command.command.records[0]?.[1]
  t.same(value === undefined ? undefined : [...value], [1, 2, 3])
  t.equal(value?.buffer.byteLength, 3, 'a copy: it does not keep the 64 KB around it alive')
})

t.test('damaged entries are reported as corrupt, naming what is wrong', async (t) => {
  t.match(decodeProposal(encodeProposal(proposal).subarray(0, 10)), { corrupt: /not msgpack/ })
  t.match(decodeProposal(encodeProposal(42 as unknown as OfficeProposal)), { corrupt: /not an office proposal/ })
  t.match(decodeProposal(encodeProposal({ ...proposal, command: { kind: 'nap' } } as unknown as OfficeProposal)), { corrupt: /c1-7 carries no known office command/ })
  t.match(decodeProposal(encodeProposal({ ...proposal, session: { client: 'c1', sequence: 3, settledBelow: 5 } })), { corrupt: /malformed client session/ })
})
