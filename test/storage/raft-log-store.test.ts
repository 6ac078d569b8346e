import t from 'tap'
import { join } from 'node:path'
import type { Entry, Snapshot } from '../../raft/types.js'
import { encodeIndexKey } from '../../storage/raft-record-codec.js'
import { RaftLogStore } from '../../storage/raft-log-store.js'
import { ReplicaDb } from '../../storage/replica-db.js'

const identity = { clusterId: 'c1', replicaId: 'r1' }
const conf = { voters: ['r1', 'r2', 'r3'], learners: [] }

function command(index: number, term: number): Entry {
  return { kind: 'command', index, term, data: Buffer.from(`cmd-${index}-${term}`) }
}

function commands(from: number, through: number, term: number): Entry[] {
  const list: Entry[] = []
  for (let index = from; index <= through; index++) list.push(command(index, term))
  return list
}

function snapshotAt(index: number, term: number): Snapshot {
  return { meta: { index, term, conf }, data: Buffer.from(`state@${index}`) }
}

/** Opens the store of `dir`, runs `use`, and always closes the database. */
async function withStore<T>(dir: string, use: (store: RaftLogStore) => Promise<T>): Promise<T> {
  const db = await ReplicaDb.open(dir, identity)
  try {
    return await use(await RaftLogStore.open(db))
  } finally {
    await db.close()
  }
}

function shape(entries: readonly Entry[]): string[] {
  return entries.map((e) => `${e.index}@${e.term}`)
}

t.test('a fresh store restores an empty log with the bootstrap membership', async (t) => {
  const restored = await withStore(t.testdir(), (store) => store.load({ applied: 0, conf }))
  t.same(restored, { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], applied: 0, conf })
})

t.test('entries and hard state survive reopening, entry kinds intact', async (t) => {
  const dir = t.testdir()
  const entries: Entry[] = [
    { kind: 'noop', index: 1, term: 1 },
    command(2, 1),
    { kind: 'config', index: 3, term: 1, change: { type: 'addLearner', node: 'r4' } },
  ]
  await withStore(dir, (store) => store.persist({ snapshot: null, entries, hardState: { term: 1, vote: 'r1', commit: 2 } }))
  const restored = await withStore(dir, (store) => store.load({ applied: 2, conf }))
  t.same(restored.hardState, { term: 1, vote: 'r1', commit: 2 })
  t.same(restored.entries.map((e) => e.kind), ['noop', 'command', 'config'])
  t.same(Buffer.from((restored.entries[1] as { data: Uint8Array }).data).toString(), 'cmd-2-1')
  t.same(restored.entries[2], entries[2])
  t.equal(restored.applied, 2)
})

t.test('new entries replace the stored suffix from their first index on', async (t) => {
  const dir = t.testdir()
  await withStore(dir, async (store) => {
    await store.persist({ snapshot: null, entries: commands(1, 10, 1), hardState: null })
    await store.persist({ snapshot: null, entries: commands(6, 7, 2), hardState: null })
    // Appending right after the tail is the common case and must not drop anything.
    await store.persist({ snapshot: null, entries: commands(8, 8, 2), hardState: null })
  })
  const restored = await withStore(dir, (store) => store.load({ applied: 0, conf }))
  t.same(shape(restored.entries), ['1@1', '2@1', '3@1', '4@1', '5@1', '6@2', '7@2', '8@2'])
})

t.test('entries that would leave a gap are refused and nothing is written', async (t) => {
  const dir = t.testdir()
  await withStore(dir, async (store) => {
    await store.persist({ snapshot: null, entries: commands(1, 3, 1), hardState: null })
    await t.rejects(
      store.persist({ snapshot: null, entries: commands(5, 6, 1), hardState: { term: 9, vote: null, commit: 0 } }),
      /entries starting at 5 do not attach to the stored log \(snapshot 0, last 3\)/,
    )
  })
  const restored = await withStore(dir, (store) => store.load({ applied: 0, conf }))
  t.same(shape(restored.entries), ['1@1', '2@1', '3@1'])
  t.equal(restored.hardState.term, 0)
})

t.test('compaction keeps the snapshot and only the entries after it', async (t) => {
  const dir = t.testdir()
  await withStore(dir, async (store) => {
    await store.persist({ snapshot: null, entries: commands(1, 20, 1), hardState: { term: 1, vote: 'r1', commit: 20 } })
    await store.compact(snapshotAt(15, 1))
    await store.compact(snapshotAt(10, 1)) // older than the stored one: ignored
    await store.persist({ snapshot: null, entries: commands(21, 22, 1), hardState: null })
  })
  const restored = await withStore(dir, (store) => store.load({ applied: 15, conf }))
  t.same(restored.snapshot?.meta, { index: 15, term: 1, conf })
  t.equal(Buffer.from(restored.snapshot?.data ?? []).toString(), 'state@15')
  t.same(shape(restored.entries), ['16@1', '17@1', '18@1', '19@1', '20@1', '21@1', '22@1'])
})

t.test('a received snapshot replaces the whole stored log', async (t) => {
  const root = t.testdir()
  const behind = join(root, 'behind')
  await withStore(behind, async (store) => {
    await store.persist({ snapshot: null, entries: commands(1, 10, 1), hardState: null })
    await store.persist({ snapshot: snapshotAt(6, 3), entries: commands(7, 7, 3), hardState: null })
    await t.rejects(store.persist({ snapshot: snapshotAt(5, 3), entries: [], hardState: null }), /not newer/)
  })
  const replaced = await withStore(behind, (store) => store.load({ applied: 6, conf }))
  t.equal(replaced.snapshot?.meta.index, 6)
  t.same(shape(replaced.entries), ['7@3'])

  const beyond = join(root, 'beyond')
  await withStore(beyond, async (store) => {
    await store.persist({ snapshot: null, entries: commands(1, 3, 1), hardState: null })
    await store.persist({ snapshot: snapshotAt(50, 4), entries: [], hardState: null })
    await store.persist({ snapshot: null, entries: commands(51, 51, 4), hardState: null })
  })
  t.same(shape((await withStore(beyond, (store) => store.load({ applied: 50, conf }))).entries), ['51@4'])
})

t.test('a state machine ahead of the log is reported, not restored', async (t) => {
  const dir = t.testdir()
  await withStore(dir, (store) =>
    store.persist({ snapshot: null, entries: commands(1, 3, 1), hardState: { term: 1, vote: null, commit: 2 } }),
  )
  await t.rejects(
    withStore(dir, (store) => store.load({ applied: 4, conf })),
    /applied index 4, beyond the log's last index 3: the stores do not belong together/,
  )
})

t.test('a commit index that lags the applied index is raised to it on load', async (t) => {
  // Commit-only hard states are not written, so the stored commit may lag what was applied.
  const dir = t.testdir()
  await withStore(dir, (store) =>
    store.persist({ snapshot: null, entries: commands(1, 3, 1), hardState: { term: 1, vote: 'r2', commit: 1 } }),
  )
  const restored = await withStore(dir, (store) => store.load({ applied: 3, conf }))
  t.same(restored.hardState, { term: 1, vote: 'r2', commit: 3 })
})

t.test('a batch that only moves the commit index is not written; the next real batch stores it', async (t) => {
  const db = await ReplicaDb.open(t.testdir(), identity)
  t.teardown(() => db.close())
  const writes: boolean[] = []
  const rawBatch = db.rawBatch.bind(db)
  db.rawBatch = () => {
    const ops = rawBatch()
    const write = ops.write.bind(ops)
    ops.write = (options) => (writes.push(options.sync), write(options))
    return ops
  }
  const store = await RaftLogStore.open(db)
  await store.persist({ snapshot: null, entries: [], hardState: { term: 1, vote: 'r1', commit: 0 } })
  await store.persist({ snapshot: null, entries: commands(1, 2, 1), hardState: null })
  await store.persist({ snapshot: null, entries: [], hardState: { term: 1, vote: 'r1', commit: 2 } })
  t.same(writes, [true, true], 'the commit-only batch wrote nothing')
  t.same((await store.load({ applied: 0, conf })).hardState, { term: 1, vote: 'r1', commit: 0 })
  await store.persist({ snapshot: null, entries: commands(3, 3, 1), hardState: { term: 1, vote: 'r1', commit: 3 } })
  await store.persist({ snapshot: null, entries: [], hardState: { term: 2, vote: null, commit: 3 } })
  await store.persist({ snapshot: null, entries: [], hardState: { term: 2, vote: 'r3', commit: 3 } })
  t.same(writes, [true, true, true, true, true], 'entries, a new term and a new vote are synced writes')
  t.same((await store.load({ applied: 0, conf })).hardState, { term: 2, vote: 'r3', commit: 3 })
})

t.test('a damaged stored record is reported with the directory and the record', async (t) => {
  const dir = t.testdir()
  await withStore(dir, (store) => store.persist({ snapshot: null, entries: commands(1, 3, 1), hardState: null }))
  const db = await ReplicaDb.open(dir, identity)
  await db.raftLog.put(encodeIndexKey(2), Uint8Array.of(0x93, 0x07, 0x01, 0x02))
  await db.close()
  await t.rejects(
    withStore(dir, (store) => store.load({ applied: 0, conf })),
    { name: 'ReplicaDbError', message: /^replica directory .*: log entry 2: corrupt log entry in storage: unknown kind tag 7/ },
  )
})
