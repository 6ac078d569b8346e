/**
 * Tombstone collection: what settled longer ago than the retention (by the entries' replicated
 * time) goes, what recovery or exactly-once still needs stays, and records without a time of
 * their own are collected a retention after the sweep that first saw them settled.
 */
import { Packr } from 'msgpackr'
import t from 'tap'
import { KeyspaceTransaction, type KeyspaceReader } from '../../src/office/keyspace-transaction.js'
import { sweepTombstones, TOMBSTONE_SWEEP_EVERY_ENTRIES } from '../../src/office/tombstone-sweep.js'

const packr = new Packr({ useRecords: false })
const HOUR = 3_600_000
const RETENTION = 24 * HOUR
const T0 = Date.UTC(2026, 2, 1)
const SWEEP = TOMBSTONE_SWEEP_EVERY_ENTRIES

/** A committed keyspace in memory; each sweep's batch is committed into it. */
class MemoryKeyspace implements KeyspaceReader {
  readonly data = new Map<string, Uint8Array>()
  async get(key: string): Promise<Uint8Array | undefined> {
    return this.data.get(key)
  }
  async range({ prefix }: { readonly prefix: string }): Promise<Array<[string, Uint8Array]>> {
    return [...this.data].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1))
  }
  put(key: string, value: unknown): void {
    this.data.set(key, packr.pack(value))
  }
  async sweep(index: number, atMs: number): Promise<number> {
    const tx = new KeyspaceTransaction(this)
    const collected = await sweepTombstones(tx, index, atMs, RETENTION)
    this.commit(tx)
    return collected
  }
  commit(tx: KeyspaceTransaction): void {
    for (const op of tx.ops()) {
      if (op.type === 'del') this.data.delete(op.key)
      else this.data.set(op.key, op.value)
    }
  }
  keys(prefix: string): string[] {
    return [...this.data.keys()].filter((key) => key.startsWith(prefix)).sort()
  }
}

function seeded(): MemoryKeyspace {
  const ks = new MemoryKeyspace()
  const decided = (atMs: number, finished: boolean) => ({ phase: { kind: 'decided', decision: { kind: 'commit' }, decidedAtMs: atMs, finished } })
  ks.put('xo/tx/mtg-nyc-1', decided(T0, true))
  ks.put('xo/tx/mtg-nyc-2', decided(T0, false))
  ks.put('xo/tx/mtg-nyc-3', { phase: { kind: 'preparing' } })
  ks.put('xo/tx/mtg-nyc-4', decided(T0 + 2 * RETENTION, true))
  ks.put('xo/part/mtg-lon-1', { state: { kind: 'committed', token: 7 } })
  ks.put('xo/part/mtg-lon-2', { state: { kind: 'prepared', token: 9 } })
  ks.put('cal/meeting/mtg-nyc-5', { status: 'cancelled' })
  ks.put('cal/meeting/mtg-nyc-6', { status: 'booked' })
  ks.put('cal/outbox/alice/000000000001', { seq: 1, atMs: T0 })
  ks.put('cal/outbox/alice/000000000002', { seq: 2, atMs: T0 + 2 * RETENTION })
  ks.put('cal/outseq/alice', 2)
  ks.put('dir/move/move-nyc-7', { state: { kind: 'moved', settledAtMs: T0 } })
  ks.put('dir/move/move-nyc-8', { state: { kind: 'exporting', records: [] } })
  return ks
}

t.test('only every sweep interval', async (t) => {
  const ks = seeded()
  const before = [...ks.data.keys()].sort()
  t.equal(await ks.sweep(SWEEP + 1, T0 + 10 * RETENTION), 0)
  t.same([...ks.data.keys()].sort(), before, 'nothing changes between sweeps')
})

t.test('records with their own settlement time go once older than the retention', async (t) => {
  const ks = seeded()
  await ks.sweep(SWEEP, T0 + RETENTION + HOUR)
  t.same(ks.keys('xo/tx/'), ['xo/tx/mtg-nyc-2', 'xo/tx/mtg-nyc-3', 'xo/tx/mtg-nyc-4'], 'the finished old transaction goes; undecided, unacknowledged and recent ones stay')
  t.same(ks.keys('cal/outbox/'), ['cal/outbox/alice/000000000002'], 'an old notification goes, a recent one stays')
  t.same(ks.keys('cal/outseq/'), ['cal/outseq/alice'], 'the sequence counter stays, so seqs are never reused')
  t.same(ks.keys('dir/move/'), ['dir/move/move-nyc-8'], 'a settled move goes; one in flight stays')
})

t.test('records without a time are collected a retention after first seen settled', async (t) => {
  const ks = seeded()
  const now = T0 + 10 * RETENTION
  await ks.sweep(SWEEP, now)
  t.same(ks.keys('xo/part/'), ['xo/part/mtg-lon-1', 'xo/part/mtg-lon-2'], 'first sight only marks the decided participant record')
  t.same(ks.keys('cal/meeting/'), ['cal/meeting/mtg-nyc-5', 'cal/meeting/mtg-nyc-6'])
  t.same(ks.keys('gc/seen/'), ['gc/seen/cal/meeting/mtg-nyc-5', 'gc/seen/xo/part/mtg-lon-1'])

  await ks.sweep(2 * SWEEP, now + RETENTION - HOUR)
  t.same(ks.keys('xo/part/'), ['xo/part/mtg-lon-1', 'xo/part/mtg-lon-2'], 'kept until a whole retention has passed')

  await ks.sweep(3 * SWEEP, now + RETENTION)
  t.same(ks.keys('xo/part/'), ['xo/part/mtg-lon-2'], 'the decided record goes, the prepared one (a live hold) stays')
  t.same(ks.keys('cal/meeting/'), ['cal/meeting/mtg-nyc-6'], 'the cancelled meeting goes, the booked one stays')
  t.same(ks.keys('gc/seen/'), [], 'the markers go with their records')
})

t.test('the same history gives the same deletions however it is batched', async (t) => {
  // One replica applies the settling entry and the sweep in one batch, another in two.
  const together = seeded()
  const apart = seeded()
  const settle = (tx: KeyspaceTransaction) => tx.put('xo/tx/mtg-nyc-2', packr.pack({ phase: { kind: 'decided', decidedAtMs: T0, finished: true } }))
  const tx = new KeyspaceTransaction(together)
  settle(tx)
  await sweepTombstones(tx, SWEEP, T0 + 2 * RETENTION, RETENTION)
  together.commit(tx)

  const first = new KeyspaceTransaction(apart)
  settle(first)
  apart.commit(first)
  await apart.sweep(SWEEP, T0 + 2 * RETENTION)
  t.same([...together.data.keys()].sort(), [...apart.data.keys()].sort())
  t.notOk(together.data.has('xo/tx/mtg-nyc-2'), 'the transaction finished in the same batch is collected too')
})
