/**
 * The replicated state machine's keyspace (text keys, byte values) and its applied position.
 *
 * Every write goes through `commit(ops, applied)`: the effects of the applied entries and the new
 * applied index land in ONE LevelDB batch, so after a crash the keyspace reflects exactly the
 * entries up to the stored applied index, never a command twice and never half of one.
 *
 * Snapshots serialize the keyspace as a stream of msgpack records (a header, then one
 * [key, value] pair per key in key order) read from a single point-in-time LevelDB snapshot.
 */
import { Packr } from 'msgpackr'
import type { Index, Snapshot, Term } from '../raft/types.js'
import { CorruptRecordError } from './raft-record-codec.js'
import type { ReplicaDb } from './replica-db.js'

export type StateMachineOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: string }

export interface AppliedPosition {
  readonly index: Index
  readonly term: Term
}

export interface KeyRange {
  /** Keys starting with this text; combined with the bounds below when both are given. */
  readonly prefix?: string
  readonly gte?: string
  readonly lt?: string
  readonly limit?: number
  readonly reverse?: boolean
}

export interface StateMachineStoreOptions {
  /**
   * fsync each commit. Off by default: the Raft log already holds every applied entry durably, and
   * a lost tail of commits (an OS crash, or a process that dies before a commit held behind the
   * log's write started) is re-applied from the log because the applied index is lost with the
   * effects, in the same batch.
   */
  readonly sync?: boolean
}

const APPLIED_KEY = 'applied'
const SNAPSHOT_HEADER = ['dms-state-machine-snapshot', 1] as const

const packr = new Packr({ useRecords: false })
/** Keys read per trip into the binding while taking a snapshot. */
const SNAPSHOT_READ_CHUNK = 1000

export class StateMachineStore {
  /** The last commit's write, which may still be in flight: later writes and snapshots wait for it. */
  private landing: Promise<void> = Promise.resolve()
  /** Keys that commits whose write has not landed yet change, with how many such commits: reads of them wait. */
  private readonly keysInFlight = new Map<string, number>()
  /** The first commit that failed to land: every later call fails with it. */
  private failure: Error | null = null

  private constructor(
    private readonly db: ReplicaDb,
    private position: AppliedPosition,
    private readonly sync: boolean,
  ) {}

  static async open(db: ReplicaDb, options: StateMachineStoreOptions = {}): Promise<StateMachineStore> {
    const bytes = await db.stateMachineMeta.get(APPLIED_KEY)
    const position =
      bytes === undefined ? { index: 0, term: 0 } : db.decodeRecord('applied position', () => decodePosition(bytes))
    return new StateMachineStore(db, position, options.sync ?? false)
  }

  appliedIndex(): Index {
    return this.position.index
  }

  appliedTerm(): Term {
    return this.position.term
  }

  /** Writes `ops` and moves the applied position forward, atomically; resolves once written. */
  async commit(ops: readonly StateMachineOp[], applied: AppliedPosition, after?: Promise<void>): Promise<void> {
    this.commitInBackground(ops, applied, after)
    await this.settled()
  }

  /**
   * The same atomic write, started but not waited for: every later commit and snapshot waits for
   * it to land first, and so does every read of a key it changes, so nothing observes the
   * keyspace without it. The apply path uses this to answer clients without a thread-pool round
   * trip per batch: the write is unsynced anyway, and the entries it reflects are durable in the
   * Raft log, so a process that dies before it lands re-applies them (the applied index is in the
   * same write). It starts only once `after` (the log's write of those entries) has landed: this
   * store must never be ahead of the log. If the write fails, every later call through this store
   * fails with its error.
   */
  commitInBackground(ops: readonly StateMachineOp[], applied: AppliedPosition, after?: Promise<void>): void {
    if (applied.index < this.position.index) {
      throw new Error(`applied index ${applied.index} would move back from ${this.position.index}`)
    }
    const batch = this.db.rawBatch()
    for (const op of ops) {
      if (op.type === 'put') batch.put(this.db.stateMachineKey(op.key), op.value)
      else batch.del(this.db.stateMachineKey(op.key))
    }
    batch.put(this.db.stateMachineMetaKey(APPLIED_KEY), encodePosition(applied))
    this.position = applied
    for (const op of ops) this.keysInFlight.set(op.key, (this.keysInFlight.get(op.key) ?? 0) + 1)
    // Chained, so writes land in commit order (the thread pool could otherwise reorder them).
    const landing = Promise.all([this.landing, after]).then(() => batch.write({ sync: this.sync }))
    this.landing = landing
    const landed = (): void => {
      for (const op of ops) {
        const left = (this.keysInFlight.get(op.key) ?? 1) - 1
        if (left === 0) this.keysInFlight.delete(op.key)
        else this.keysInFlight.set(op.key, left)
      }
    }
    landing.then(landed, (error: unknown) => {
      this.failure ??= error instanceof Error ? error : new Error(String(error))
      landed()
    })
  }

  /** Resolves once every commit started so far has landed; rejects if one failed. */
  async settled(): Promise<void> {
    await this.landing
  }

  /** Whether a commit that changes `key` has not landed yet. */
  hasWriteInFlight(key: string): boolean {
    return this.keysInFlight.has(key)
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    await this.writesChanging([key])
    return this.db.stateMachine.get(key)
  }

  /** One key, read on the calling thread: no trip through the thread pool. Only while no commit in flight changes it. */
  getSync(key: string): Uint8Array | undefined {
    if (this.failure !== null) throw this.failure
    if (this.keysInFlight.has(key)) throw new Error(`getSync("${key}") while a commit that changes it is in flight: await settled() first`)
    return this.db.stateMachine.getSync(key)
  }

  /** Several keys in one LevelDB call: one trip through the thread pool instead of one per key. */
  async getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>> {
    await this.writesChanging(keys)
    return this.db.stateMachine.getMany([...keys])
  }

  /** Waits for the commits in flight if one changes any of `keys` (a key no commit in flight changes reads the same either way). */
  private async writesChanging(keys: readonly string[]): Promise<void> {
    if (this.failure !== null) throw this.failure
    if (keys.some((key) => this.keysInFlight.has(key))) await this.landing
  }

  async range(range: KeyRange): Promise<Array<[string, Uint8Array]>> {
    await this.landing
    // all() fetches in native chunks; for-await pays a trip into the binding for every key.
    return this.db.stateMachine.iterator(rangeBounds(range)).all()
  }

  /** A range and one more key, read from one LevelDB snapshot: both as of the same applied entry. */
  async rangeWithKey(range: KeyRange, key: string): Promise<{ pairs: Array<[string, Uint8Array]>; value: Uint8Array | undefined }> {
    return this.atOneInstant(async (snapshot) => {
      const [pairs, value] = await Promise.all([this.db.stateMachine.iterator({ ...rangeBounds(range), snapshot }).all(), this.db.stateMachine.get(key, { snapshot })])
      return { pairs, value }
    })
  }

  /**
   * The whole keyspace and the applied position it reflects: every commit started before the call
   * and none started after, so the caller may go on applying while the snapshot is read.
   */
  async snapshotData(): Promise<{ data: Uint8Array; index: Index; term: Term }> {
    return this.atOneInstant(async (snapshot) => {
      const positionBytes = await this.db.stateMachineMeta.get(APPLIED_KEY, { snapshot })
      const position = positionBytes === undefined ? { index: 0, term: 0 } : decodePosition(positionBytes)
      const records: Uint8Array[] = [packr.pack(SNAPSHOT_HEADER)]
      const iterator = this.db.stateMachine.iterator({ snapshot })
      try {
        for (let chunk = await iterator.nextv(SNAPSHOT_READ_CHUNK); chunk.length > 0; chunk = await iterator.nextv(SNAPSHOT_READ_CHUNK)) {
          for (const pair of chunk) records.push(packr.pack(pair))
        }
      } finally {
        await iterator.close()
      }
      return { data: Buffer.concat(records), index: position.index, term: position.term }
    })
  }

  /**
   * Runs `read` on a LevelDB snapshot holding every commit started before the call and none
   * started after: it is taken in the write chain (later commits start their writes only once it
   * exists), and closed when `read` is done.
   */
  private async atOneInstant<T>(read: (snapshot: ReturnType<ReplicaDb['root']['snapshot']>) => Promise<T>): Promise<T> {
    const taken = this.landing.then(() => this.db.root.snapshot())
    // The caller hears of a failure through `taken`; later callers through the chain. Marked
    // handled, as a read racing the database's close must not become an unhandled rejection.
    this.landing = taken.then(() => undefined)
    this.landing.catch(() => undefined)
    const snapshot = await taken
    try {
      return await read(snapshot)
    } finally {
      await snapshot.close()
    }
  }

  /** Replaces the keyspace and the applied position with the snapshot's, in one batch. */
  async installSnapshot(snapshot: Snapshot): Promise<void> {
    await this.landing
    const records = decodeSnapshotRecords(snapshot.data)
    const batch = this.db.root.batch()
    const sublevel = this.db.stateMachine
    for await (const key of sublevel.keys()) batch.del(key, { sublevel })
    for (const [key, value] of records) batch.put(key, value, { sublevel })
    const applied = { index: snapshot.meta.index, term: snapshot.meta.term }
    batch.put(APPLIED_KEY, encodePosition(applied), { sublevel: this.db.stateMachineMeta })
    await batch.write({ sync: this.sync })
    this.position = applied
  }
}

function rangeBounds(range: KeyRange): { gte?: string; lt?: string; limit?: number; reverse?: boolean } {
  let gte = range.gte
  let lt = range.lt
  if (range.prefix !== undefined) {
    if (gte === undefined || gte < range.prefix) gte = range.prefix
    // The highest code point: in UTF-8 byte order it sorts after any character continuing the prefix.
    const end = range.prefix + '\u{10FFFF}'
    if (lt === undefined || lt > end) lt = end
  }
  return {
    ...(gte === undefined ? {} : { gte }),
    ...(lt === undefined ? {} : { lt }),
    ...(range.limit === undefined ? {} : { limit: range.limit }),
    ...(range.reverse === undefined ? {} : { reverse: range.reverse }),
  }
}

function encodePosition(position: AppliedPosition): Uint8Array {
  return packr.pack([position.index, position.term])
}

function decodePosition(bytes: Uint8Array): AppliedPosition {
  const value: unknown = unpackOrThrow(bytes, 'applied position')
  if (!Array.isArray(value) || !isCount(value[0]) || !isCount(value[1])) {
    throw new CorruptRecordError('applied position', 'expected [index, term]')
  }
  return { index: value[0], term: value[1] }
}

function decodeSnapshotRecords(data: Uint8Array): Array<[string, Uint8Array]> {
  const what = 'state machine snapshot'
  const values = unpackOrThrow(data, what, true)
  const [header, ...pairs] = values as unknown[]
  if (!Array.isArray(header) || header[0] !== SNAPSHOT_HEADER[0] || header[1] !== SNAPSHOT_HEADER[1]) {
    throw new CorruptRecordError(what, `missing header ${JSON.stringify(SNAPSHOT_HEADER)}`)
  }
  return pairs.map((pair, i) => {
    if (!Array.isArray(pair) || typeof pair[0] !== 'string' || !(pair[1] instanceof Uint8Array)) {
      throw new CorruptRecordError(what, `record ${i + 1} is not a [key, bytes] pair`)
    }
    return [pair[0], pair[1]]
  })
}

function unpackOrThrow(bytes: Uint8Array, what: string, multiple = false): unknown {
  try {
    return multiple ? packr.unpackMultiple(bytes) : packr.unpack(bytes)
  } catch (error) {
    throw new CorruptRecordError(what, `not msgpack (${(error as Error).message})`)
  }
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
