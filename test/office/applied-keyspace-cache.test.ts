import t from 'tap'
import { AppliedKeyspaceCache } from '../../src/office/applied-keyspace-cache.js'
import { KeyspaceTransaction } from '../../src/office/keyspace-transaction.js'

/** A committed keyspace in memory that counts how often it is read. */
function committedStore(initial: Record<string, string>) {
  const data = new Map(Object.entries(initial).map(([k, v]) => [k, Buffer.from(v)]))
  const reads = { get: 0, range: 0, getMany: 0, getSync: 0 }
  return {
    data,
    reads,
    async get(key: string) {
      reads.get += 1
      return data.get(key)
    },
    async getMany(keys: readonly string[]) {
      reads.getMany += 1
      return keys.map((key) => data.get(key))
    },
    getSync(key: string) {
      reads.getSync += 1
      return data.get(key)
    },
    /** The previous batch's write and the keys it changes: tests hold it to check that reads of those keys wait for it. */
    landing: Promise.resolve(),
    writing: new Set<string>(),
    settled() {
      return this.landing
    },
    hasWriteInFlight(key: string) {
      return this.writing.has(key)
    },
    async range({ prefix }: { prefix: string }) {
      reads.range += 1
      return [...data].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)) as Array<[string, Uint8Array]>
    },
  }
}

const text = (pairs: Array<[string, Uint8Array]>) => pairs.map(([k, v]) => `${k}=${Buffer.from(v).toString()}`)

t.test('the cache answers repeated reads from memory and follows committed writes', async (t) => {
  const store = committedStore({ 'a/x/1': 'one', 'a/x/2': 'two', 'a/y/1': 'other' })
  const cache = new AppliedKeyspaceCache(store)
  t.same(text(await cache.range({ prefix: 'a/x/' })), ['a/x/1=one', 'a/x/2=two'])
  t.equal(Buffer.from((await cache.get('a/x/1'))!).toString(), 'one')
  t.equal(await cache.get('a/x/3'), undefined)
  await cache.range({ prefix: 'a/x/' })
  await cache.get('a/x/3')
  t.same(store.reads, { get: 2, range: 1, getMany: 0, getSync: 0 }, 'second reads did not reach the store')

  const ops = [
    { type: 'put' as const, key: 'a/x/3', value: Buffer.from('three') },
    { type: 'del' as const, key: 'a/x/1' },
    { type: 'put' as const, key: 'a/x/2', value: Buffer.from('TWO') },
  ]
  for (const op of ops) op.type === 'put' ? store.data.set(op.key, op.value) : store.data.delete(op.key)
  cache.committedOps(ops)
  t.same(text(await cache.range({ prefix: 'a/x/' })), ['a/x/2=TWO', 'a/x/3=three'])
  t.equal(Buffer.from((await cache.get('a/x/3'))!).toString(), 'three', 'a remembered absence is replaced')
  t.equal(await cache.get('a/x/1'), undefined)
  t.same(store.reads, { get: 2, range: 1, getMany: 0, getSync: 0 })
  t.same(text(await cache.range({ prefix: 'a/x' })), ['a/x/2=TWO', 'a/x/3=three'], 'a prefix not ending in "/" goes to the store')
  cache.clear()
  await cache.get('a/x/3')
  t.equal(store.reads.get, 3, 'after clear() everything is read again')
})

t.test('a prefetch of a few keys reads each missing one synchronously, absences included', async (t) => {
  const store = committedStore({ 'k/1': 'one', 'k/2': 'two' })
  const cache = new AppliedKeyspaceCache(store)
  await cache.get('k/1')
  await cache.prefetch(['k/1', 'k/2', 'k/3', 'k/2'])
  t.same(store.reads, { get: 1, range: 0, getMany: 0, getSync: 2 })
  t.equal(Buffer.from((await cache.get('k/2'))!).toString(), 'two')
  t.equal(await cache.get('k/3'), undefined)
  await cache.prefetch(['k/3'])
  t.same(store.reads, { get: 1, range: 0, getMany: 0, getSync: 2 }, 'cached keys and absences are not read again')
})

t.test('a synchronous prefetch waits until a previous batch that changes one of its keys has landed, and only then', async (t) => {
  const store = committedStore({ 'k/2': 'untouched' })
  let land = (): void => {}
  store.landing = new Promise<void>((resolve) => (land = resolve))
  store.writing.add('k/1')
  const cache = new AppliedKeyspaceCache(store)
  await cache.prefetch(['k/2'])
  t.equal(store.reads.getSync, 1, 'a key the write in flight does not change is read at once')
  const prefetched = cache.prefetch(['k/1', 'k/3'])
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(store.reads.getSync, 1, 'nothing is read while a write that changes k/1 may still be in flight')
  store.data.set('k/1', Buffer.from('landed'))
  store.writing.clear()
  land()
  await prefetched
  t.equal(Buffer.from((await cache.get('k/1'))!).toString(), 'landed', 'the read sees the landed write')
})

t.test('a prefetch of many keys loads the missing ones in one batched read', async (t) => {
  const keys = Array.from({ length: 40 }, (_, i) => `k/${i}`)
  const store = committedStore(Object.fromEntries(keys.slice(0, 20).map((key) => [key, key.toUpperCase()])))
  const cache = new AppliedKeyspaceCache(store)
  await cache.prefetch([...keys, ...keys])
  t.same(store.reads, { get: 0, range: 0, getMany: 1, getSync: 0 })
  t.equal(Buffer.from((await cache.get('k/7'))!).toString(), 'K/7')
  t.equal(await cache.get('k/30'), undefined)
  t.same(store.reads, { get: 0, range: 0, getMany: 1, getSync: 0 }, 'answered from what the prefetch loaded')
})

t.test('a transaction range merges its own writes under the prefix, in key order', async (t) => {
  const store = committedStore({ 'p/u/1': 'a', 'p/u/3': 'c', 'p/v/1': 'z' })
  const tx = new KeyspaceTransaction(store)
  tx.put('p/u/2', Buffer.from('b'))
  tx.del('p/u/3')
  tx.put('p/v/2', Buffer.from('y'))
  t.same(text(await tx.range({ prefix: 'p/u/' })), ['p/u/1=a', 'p/u/2=b'])
  t.same(text(await tx.range({ prefix: 'p/' })), ['p/u/1=a', 'p/u/2=b', 'p/v/1=z', 'p/v/2=y'])
  t.same(text(await tx.range({ prefix: 'p/u' })), ['p/u/1=a', 'p/u/2=b'])
  const nested = new KeyspaceTransaction(tx)
  nested.put('p/u/3', Buffer.from('again'))
  t.same(text(await nested.range({ prefix: 'p/u/' })), ['p/u/1=a', 'p/u/2=b', 'p/u/3=again'])
  nested.mergeInto(tx)
  t.same(tx.ops().map((op) => op.key), ['p/u/2', 'p/v/2', 'p/u/3'], 'merged writes keep their order; a re-put key moves last')
})

t.test('read-once keys are forgotten when committed, and read from the store if ever asked again', async (t) => {
  const store = committedStore({})
  const cache = new AppliedKeyspaceCache(store, (key) => key.startsWith('once/'))
  await cache.prefetch(['once/a', 'kept/b'])
  t.equal(await cache.get('once/a'), undefined, 'prefetched absence answered from memory')
  t.equal(store.reads.get, 0)
  const ops = [
    { type: 'put' as const, key: 'once/a', value: Buffer.from('A') },
    { type: 'put' as const, key: 'kept/b', value: Buffer.from('B') },
  ]
  for (const op of ops) store.data.set(op.key, op.value)
  cache.committedOps(ops)
  t.equal(Buffer.from((await cache.get('kept/b'))!).toString(), 'B')
  t.equal(store.reads.get, 0, 'an ordinary key stays cached with its committed value')
  t.equal(Buffer.from((await cache.get('once/a'))!).toString(), 'A', 'the forgotten key is read back exactly')
  t.equal(store.reads.get, 1)
})
