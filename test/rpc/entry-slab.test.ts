/**
 * Received entries re-homed on shared chunks: same content, consecutive payloads sharing one
 * buffer until it is full, large payloads and other entries and messages untouched.
 */
import t from 'tap'
import type { Entry, Message } from '../../raft/types.js'
import { EntrySlab } from '../../src/rpc/entry-slab.js'

const command = (index: number, bytes: number, fill = index % 251): Entry => ({ kind: 'command', term: 2, index, data: new Uint8Array(bytes).fill(fill) })
/** Entries as plain data (payload as hex), to compare content whatever buffer holds it. */
const plain = (entries: readonly Entry[]) => entries.map((e) => (e.kind === 'command' ? { ...e, data: Buffer.from(e.data).toString('hex') } : e))
const appended = (messages: readonly Message[]) => messages.flatMap((m) => (m.type === 'append' ? m.entries : []))
const append = (entries: Entry[]): Message => ({ type: 'append', from: 'a', to: 'b', term: 2, prevLogIndex: 0, prevLogTerm: 0, entries, commit: 0 })

t.test('command payloads keep their bytes and share one buffer, entries and messages keep their other fields', async (t) => {
  const slab = new EntrySlab()
  const noop: Entry = { kind: 'noop', term: 2, index: 3 }
  const sent = [append([command(1, 150), command(2, 200), noop]), append([command(4, 10)])]
  const received = slab.adopt(sent)
  t.same(plain(appended(received)), plain(appended(sent)), 'same entries')
  t.same(received.map((m) => ({ ...m, entries: [] })), sent.map((m) => ({ ...m, entries: [] })), 'same message fields')
  const entries = appended(received)
  const buffers = new Set(entries.flatMap((e) => (e.kind === 'command' ? [e.data.buffer] : [])))
  t.equal(buffers.size, 1, 'one shared buffer')
  t.equal(entries[2], noop, 'a noop entry is passed through')
  for (const [i, entry] of entries.entries()) {
    const original = appended(sent)[i] as Entry
    if (entry.kind === 'command' && original.kind === 'command') t.not(entry.data.buffer, original.data.buffer, `entry ${entry.index} copied`)
  }
})

t.test('a full chunk is followed by a new one, and a large payload keeps its own buffer', async (t) => {
  const slab = new EntrySlab()
  const sent = Array.from({ length: 700 }, (_, i) => command(i + 1, 200))
  const received = slab.adopt([append(sent)])[0]
  if (received?.type !== 'append') throw new Error('expected an append')
  t.same(plain(received.entries), plain(sent))
  const buffers = new Set(received.entries.flatMap((e) => (e.kind === 'command' ? [e.data.buffer] : [])))
  t.equal(buffers.size, Math.ceil(700 / Math.floor(65536 / 200)), '64 KB chunks, no payload split across two')
  const large = command(1000, 20_000)
  const [kept] = slab.adopt([append([large])])
  t.equal(kept?.type === 'append' ? kept.entries[0] : undefined, large, 'a 20 KB payload is not copied')
})

t.test('messages other than appends, and empty appends, come back as they were', async (t) => {
  const slab = new EntrySlab()
  const heartbeat: Message = { type: 'heartbeat', from: 'a', to: 'b', term: 2, commit: 4, readContext: null }
  const empty = append([])
  const received = slab.adopt([heartbeat, empty])
  t.equal(received[0], heartbeat)
  t.equal(received[1], empty)
})
