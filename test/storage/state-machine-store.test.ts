import t, { type Test } from 'tap'
import { join } from 'node:path'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'

const conf = { voters: ['a'], learners: [] }
const text = (s: string): Uint8Array => Buffer.from(s)
const read = (v: Uint8Array | undefined): string | undefined => (v === undefined ? undefined : Buffer.from(v).toString())

async function openStore(t: Test, dir: string, replicaId = 'a'): Promise<StateMachineStore> {
  const db = await ReplicaDb.open(dir, { clusterId: 'c', replicaId })
  t.teardown(() => db.close())
  return StateMachineStore.open(db)
}

t.test('effects and the applied position are written together and survive reopening', async (t) => {
  const dir = t.testdir()
  const db = await ReplicaDb.open(dir, { clusterId: 'c', replicaId: 'a' })
  const store = await StateMachineStore.open(db, { sync: true })
  t.equal(store.appliedIndex(), 0)
  await store.commit([{ type: 'put', key: 'x', value: text('1') }, { type: 'put', key: 'y', value: text('2') }], { index: 5, term: 1 })
  await store.commit([{ type: 'del', key: 'x' }], { index: 6, term: 2 })
  await t.rejects(store.commit([], { index: 4, term: 2 }), /applied index 4 would move back from 6/)
  await db.close()

  const reopened = await openStore(t, dir)
  t.equal(reopened.appliedIndex(), 6)
  t.equal(reopened.appliedTerm(), 2)
  t.equal(await reopened.get('x'), undefined)
  t.equal(read(await reopened.get('y')), '2')
})

t.test('a commit in the background is seen by every later read and lands in order', async (t) => {
  const store = await openStore(t, t.testdir())
  store.commitInBackground([{ type: 'put', key: 'x', value: text('1') }], { index: 1, term: 1 })
  store.commitInBackground([{ type: 'put', key: 'x', value: text('2') }, { type: 'put', key: 'y', value: text('y') }], { index: 2, term: 1 })
  t.equal(store.appliedIndex(), 2, 'the applied position moves at once')
  t.throws(() => store.getSync('x'), /getSync\("x"\) while a commit that changes it is in flight/)
  t.equal(store.getSync('z'), undefined, 'a key no commit in flight changes is read at once')
  t.equal(read(await store.get('x')), '2', 'a read waits for both writes, which landed in order')
  t.same((await store.getMany(['x', 'y'])).map(read), ['2', 'y'])
  t.same((await store.range({ prefix: 'y' })).map(([key]) => key), ['y'])
  t.equal(read(store.getSync('x')), '2', 'once settled, a synchronous read is allowed')
  t.throws(() => store.commitInBackground([], { index: 1, term: 1 }), /applied index 1 would move back from 2/)
})

t.test("a commit made after the log's write lands only once that write has, and reads of what it changes wait for it", async (t) => {
  const store = await openStore(t, t.testdir())
  await store.commit([{ type: 'put', key: 'x', value: text('0') }, { type: 'put', key: 'y', value: text('0') }], { index: 1, term: 1 })
  let logWritten = (): void => {}
  const stored = new Promise<void>((resolve) => (logWritten = resolve))
  store.commitInBackground([{ type: 'put', key: 'x', value: text('1') }], { index: 2, term: 1 }, stored)
  let seen: string | undefined
  const reading = store.get('x').then((value) => (seen = read(value)))
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(seen, undefined, 'a read of x waits')
  t.equal(read(await store.get('y')), '0', 'a read of y does not')
  t.same((await store.getMany(['y'])).map(read), ['0'])
  logWritten()
  await reading
  t.equal(seen, '1', 'and sees the write once the log write landed')
})

t.test('a commit behind a log write that failed never lands; later calls fail with its error', async (t) => {
  const store = await openStore(t, t.testdir())
  store.commitInBackground([{ type: 'put', key: 'x', value: text('1') }], { index: 1, term: 1 }, Promise.reject(new Error('log write failed')))
  await t.rejects(store.settled(), /log write failed/)
  await t.rejects(store.get('y'), /log write failed/, 'even reads of keys it does not change')
  t.throws(() => store.getSync('y'), /log write failed/)
})

t.test('a background commit that fails fails every later call with its error', async (t) => {
  const dir = t.testdir()
  const db = await ReplicaDb.open(dir, { clusterId: 'c', replicaId: 'a' })
  const store = await StateMachineStore.open(db)
  await db.close()
  store.commitInBackground([{ type: 'put', key: 'x', value: text('1') }], { index: 1, term: 1 })
  await t.rejects(store.settled(), /cannot write a batch: the database is closed/)
  await t.rejects(store.get('x'), /cannot write a batch/)
  await t.rejects(store.commit([], { index: 2, term: 1 }), /cannot write a batch/)
})

t.test('ranges by prefix and bounds, forward and reverse', async (t) => {
  const store = await openStore(t, t.testdir())
  const keys = ['user/a', 'user/b', 'user/c', 'userx', 'event/1']
  await store.commit(keys.map((key) => ({ type: 'put' as const, key, value: text(key) })), { index: 1, term: 1 })
  const names = async (range: Parameters<StateMachineStore['range']>[0]): Promise<string[]> =>
    (await store.range(range)).map(([key]) => key)
  t.same(await names({ prefix: 'user/' }), ['user/a', 'user/b', 'user/c'])
  t.same(await names({ prefix: 'user/', reverse: true, limit: 2 }), ['user/c', 'user/b'])
  t.same(await names({ prefix: 'user/', gte: 'user/b' }), ['user/b', 'user/c'])
  t.same(await names({ gte: 'e', lt: 'user/b' }), ['event/1', 'user/a'])
})

t.test('a snapshot reflects one instant and installs atomically elsewhere', async (t) => {
  const root = t.testdir()
  const source = await openStore(t, join(root, 'source'))
  await source.commit([{ type: 'put', key: 'a', value: text('1') }, { type: 'put', key: 'b', value: text('2') }], { index: 10, term: 3 })
  // The LevelDB snapshot is taken when snapshotData() is called; a commit racing with the read
  // must not show up in it.
  const pending = source.snapshotData()
  await source.commit([{ type: 'put', key: 'c', value: text('3') }, { type: 'del', key: 'a' }], { index: 11, term: 3 })
  const produced = await pending
  t.equal(produced.index, 10)
  t.equal(produced.term, 3)

  const target = await openStore(t, join(root, 'target'), 'b')
  await target.commit([{ type: 'put', key: 'stale', value: text('x') }], { index: 4, term: 1 })
  await target.installSnapshot({ meta: { index: produced.index, term: produced.term, conf }, data: produced.data })
  t.equal(target.appliedIndex(), 10)
  t.same(
    (await target.range({})).map(([k, v]) => [k, read(v)]),
    [
      ['a', '1'],
      ['b', '2'],
    ],
  )
})

t.test('a damaged snapshot is refused and leaves the keyspace untouched', async (t) => {
  const store = await openStore(t, t.testdir())
  await store.commit([{ type: 'put', key: 'keep', value: text('me') }], { index: 2, term: 1 })
  await t.rejects(
    store.installSnapshot({ meta: { index: 9, term: 1, conf }, data: Buffer.from([0x93, 1, 2, 3]) }),
    /corrupt state machine snapshot in storage: missing header/,
  )
  t.equal(store.appliedIndex(), 2)
  t.equal(read(await store.get('keep')), 'me')
})

t.test('a range and a key, and several keys, are read from one snapshot while commits keep landing', async (t) => {
  const store = await openStore(t, t.testdir())
  const reads: Array<Promise<void>> = []
  for (let i = 1; i <= 200; i++) {
    // Each commit moves the counter and the ranged key together; a read must never see one moved without the other.
    store.commitInBackground([{ type: 'put', key: 'kv/a', value: text(String(i)) }, { type: 'put', key: 'rev', value: text(String(i)) }], { index: i, term: 1 })
    reads.push(
      store.rangeWithKey({ prefix: 'kv/' }, 'rev').then(({ pairs, value }) => {
        if (read(pairs[0]?.[1]) !== read(value)) t.fail(`range saw ${read(pairs[0]?.[1])}, key saw ${read(value)}`)
      }),
      store.getMany(['kv/a', 'rev']).then(([a, rev]) => {
        if (read(a) !== read(rev)) t.fail(`getMany saw ${read(a)} and ${read(rev)}`)
      }),
    )
  }
  await Promise.all(reads)
  t.same((await store.rangeWithKey({ prefix: 'kv/' }, 'rev')).pairs.map(([k, v]) => [k, read(v)]), [['kv/a', '200']])
  t.equal(read((await store.rangeWithKey({ prefix: 'nothing/' }, 'rev')).value), '200', 'an empty range still reads the key')
})

t.test('reads that race the database closing fail with its error, and leave nothing unhandled', async (t) => {
  const db = await ReplicaDb.open(t.testdir(), { clusterId: 'c', replicaId: 'a' })
  const store = await StateMachineStore.open(db)
  await store.commit([{ type: 'put', key: 'kv/a', value: text('1') }], { index: 1, term: 1 })
  const unhandled: unknown[] = []
  const listener = (reason: unknown): void => void unhandled.push(reason)
  process.on('unhandledRejection', listener)
  t.teardown(() => void process.off('unhandledRejection', listener))
  // Both read from a LevelDB snapshot, taken in the write chain: by then the database is closing.
  const reads = [t.rejects(store.rangeWithKey({ prefix: 'kv/' }, 'rev'), /Database is not open/), t.rejects(store.snapshotData(), /Database is not open/)]
  await db.close()
  await Promise.all(reads)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(unhandled, [], 'no rejection went unhandled')
})
