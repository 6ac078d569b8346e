import t from 'tap'
import { RaftNode, type Entry, type Message, type SnapshotChunkRequest } from '../../raft/index.js'
import { InMemoryCluster, testConfig } from './in-memory-cluster.js'

const conf3 = { voters: ['a', 'b', 'c'], learners: [] }

/** a leads; c misses 6 proposals; a compacts everything applied. */
function laggingFollower(): InMemoryCluster {
  const c = new InMemoryCluster(['a', 'b', 'c'])
  c.elect('a')
  c.isolate('c')
  for (let i = 0; i < 6; i++) c.propose('a', `cmd${i}`)
  c.stabilize()
  c.compact('a')
  return c
}

t.test('compaction keeps the snapshot and drops the log up to it; membership comes from the core', async (t) => {
  const c = laggingFollower()
  const s = c.node('a').status()
  t.equal(s.firstIndex, 8)
  t.equal(s.lastIndex, 7)
  const kept = c.store('a').snapshot
  t.match(kept?.meta, { index: 7, term: 1, conf: conf3 })
  // The restarted replica starts from the snapshot plus the remaining log.
  const again = c.restart('a', conf3)
  t.match(again.status(), { firstIndex: 8, lastIndex: 7, commit: 7, applied: 7 })
})

t.test('compact beyond the applied index is refused with a clear error', async (t) => {
  const c = new InMemoryCluster(['a'])
  c.elect('a')
  t.throws(
    () => c.node('a').compact({ meta: { index: 5, term: 1, conf: conf3 }, data: new Uint8Array() }),
    /snapshot\.meta\.index 5 is beyond the applied index 1/,
  )
})

t.test('a follower behind the first retained entry catches up by a chunked InstallSnapshot', async (t) => {
  const c = laggingFollower()
  const snapshot = c.store('a').snapshot
  if (snapshot === null) throw new Error('no snapshot')
  c.heal()
  const chunks: SnapshotChunkRequest[] = []
  c.afterPersist = (id, rd) => {
    for (const m of rd.messages) if (m.type === 'snapshot') chunks.push(m)
  }
  c.tickAll(4)
  t.equal(chunks.length, Math.ceil(snapshot.data.byteLength / 16), 'one message per 16-byte chunk, no duplicates')
  t.same(chunks.map((m) => m.offset), chunks.map((_, i) => i * 16), 'in offset order')
  t.equal(chunks.filter((m) => m.done).length, 1)
  const cs = c.node('c').status()
  t.match(cs, { firstIndex: 8, applied: 7, commit: 7 })
  t.same(c.applied.get('c'), ['noop', `snapshot@7:${new TextDecoder().decode(snapshot.data)}`])
  t.equal(c.node('a').status().progress?.['c']?.state, 'replicate')
  c.propose('a', 'after')
  c.stabilize()
  c.tickAll(2)
  t.equal(c.applied.get('c')?.at(-1), 'after')
})

t.test('lost chunks are resent after a heartbeat shows no progress', async (t) => {
  const c = laggingFollower()
  c.heal()
  let lost = 0
  for (let i = 0; i < 12; i++) {
    c.tick('a')
    for (let round = 0; round < 20; round++) {
      c.processAll()
      // The network loses the first window of chunks.
      if (lost === 0) lost = c.take((m) => m.type === 'snapshot').length
      for (const m of c.take(() => true)) c.deliver(m)
    }
  }
  t.ok(lost > 0, `the first ${lost} chunks were lost`)
  t.equal(c.node('c').status().applied, 7)
  t.equal(c.node('a').status().progress?.['c']?.state, 'replicate')
})

t.test('the receiver accepts chunks only in order, re-acknowledges duplicates and names the offset it expects', async (t) => {
  const c = new RaftNode(testConfig('c'), { hardState: { term: 1, vote: null, commit: 0 }, snapshot: null, entries: [], applied: 0, conf: conf3 })
  const meta = { index: 10, term: 1, conf: conf3 }
  const chunk = (offset: number, done = false, size = 16): Message => ({ type: 'snapshot', from: 'a', to: 'c', term: 1, meta, offset, chunk: new Uint8Array(size), done })
  const answers: Message[] = []
  const drain = (): void => {
    while (c.hasReady()) {
      const rd = c.ready()
      answers.push(...rd.messages)
      c.advance(rd)
    }
  }
  c.step(chunk(16))
  c.step(chunk(0))
  c.step(chunk(32))
  c.step(chunk(0, false, 8)) // a late duplicate: acknowledged again, not refused
  c.step(chunk(16, true))
  drain()
  t.match(answers, [
    { type: 'snapshotResponse', reject: true, nextOffset: 0, done: false },
    { type: 'snapshotResponse', reject: false, nextOffset: 16, done: false },
    { type: 'snapshotResponse', reject: true, nextOffset: 16, done: false },
    { type: 'snapshotResponse', reject: false, nextOffset: 16, done: false },
    { type: 'snapshotResponse', reject: false, nextOffset: 32, done: true, snapshotIndex: 10 },
  ])
  t.match(c.status(), { firstIndex: 11, lastIndex: 10, commit: 10, applied: 10 })
})

t.test('a follower whose log already holds the snapshot point keeps its suffix', async (t) => {
  const entries: Entry[] = [1, 2, 3, 4, 5].map((index) => ({ kind: 'noop', term: 1, index }))
  const c = new RaftNode(testConfig('c'), { hardState: { term: 1, vote: null, commit: 1 }, snapshot: null, entries, applied: 1, conf: conf3 })
  c.step({ type: 'snapshot', from: 'a', to: 'c', term: 1, meta: { index: 3, term: 1, conf: conf3 }, offset: 0, chunk: new Uint8Array(4), done: true })
  const rd = c.ready()
  t.equal(rd.snapshot, null, 'nothing to install: the entries are applied normally')
  t.match(rd.committed, [{ index: 2 }, { index: 3 }])
  t.match(rd.messages, [{ type: 'snapshotResponse', done: true, reject: false, snapshotIndex: 3 }])
  c.advance(rd)
  t.match(c.status(), { lastIndex: 5, commit: 3, applied: 3 })
})

t.test('a snapshot replaces a conflicting log, and its membership takes effect', async (t) => {
  const entries: Entry[] = [1, 2].map((index) => ({ kind: 'noop', term: 1, index }))
  const c = new RaftNode(testConfig('c'), { hardState: { term: 2, vote: null, commit: 1 }, snapshot: null, entries, applied: 1, conf: conf3 })
  const conf = { voters: ['a', 'c'], learners: ['d'] }
  c.step({ type: 'snapshot', from: 'a', to: 'c', term: 3, meta: { index: 4, term: 2, conf }, offset: 0, chunk: new Uint8Array(3), done: true })
  const rd = c.ready()
  t.match(rd.snapshot?.meta, { index: 4, term: 2 })
  t.same(rd.committed, [], 'nothing applied before the snapshot is installed')
  c.advance(rd)
  t.match(c.status(), { firstIndex: 5, lastIndex: 4, commit: 4, applied: 4, conf })
})

t.test('a burst of refusals for the same gap makes the leader resend once, not once per refusal', async (t) => {
  const c = laggingFollower()
  c.heal()
  c.tick('a', 2)
  let firstWindow: Message[] = []
  for (let round = 0; round < 10 && firstWindow.length === 0; round++) {
    c.processAll()
    firstWindow = c.take((m) => m.type === 'snapshot' && m.to === 'c')
    for (const m of c.take(() => true)) c.deliver(m)
  }
  const size = c.store('a').snapshot?.data.byteLength ?? 0
  t.equal(firstWindow.length, Math.min(4, Math.ceil(size / 16)), 'at most a window of maxInflightMessages chunks')
  t.equal(c.node('a').status().progress?.['c']?.state, 'snapshot')
  const refusal: Message = { type: 'snapshotResponse', from: 'c', to: 'a', term: 1, snapshotIndex: 7, nextOffset: 16, reject: true, done: false }
  for (let i = 0; i < 3; i++) c.node('a').step(refusal)
  c.process('a')
  const resent = c.take((m) => m.type === 'snapshot' && m.to === 'c')
  const fromGap = [16, 32, 48, 64].filter((offset) => offset < size)
  t.same(resent.map((m) => m.type === 'snapshot' && m.offset), fromGap, 'one resend of the window from the gap')
})

t.test('a transfer in progress finishes with its snapshot even if the leader compacts again', async (t) => {
  const c = laggingFollower()
  c.heal()
  const chunks: SnapshotChunkRequest[] = []
  c.afterPersist = (id, rd) => {
    for (const m of rd.messages) if (m.type === 'snapshot' && m.to === 'c') chunks.push(m)
  }
  c.tick('a', 2)
  for (let round = 0; round < 20 && chunks.length === 0; round++) {
    c.processAll()
    for (const m of c.take(() => true)) if (m.to !== 'c' || m.type !== 'snapshot') c.deliver(m)
  }
  t.ok(chunks.length > 0, 'the transfer started (its first chunks were lost)')
  c.propose('a', 'more')
  c.stabilize()
  c.compact('a')
  t.equal(c.store('a').snapshot?.meta.index, 8, 'the leader compacted again')
  const lost = chunks.length
  c.tickAll(20)
  const resent = chunks.slice(lost)
  const firstDone = resent.findIndex((m) => m.done)
  t.ok(firstDone >= 0)
  t.ok(resent.slice(0, firstDone + 1).every((m) => m.meta.index === 7), 'the resends kept snapshot 7 to the end')
  t.equal(c.node('c').status().applied, c.node('a').status().applied, 'c caught up')
})
