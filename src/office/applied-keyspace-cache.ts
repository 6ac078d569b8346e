/**
 * A read-through cache of the committed keyspace for the apply path only. Applying a command
 * reads a few dozen keys and prefixes (a person's record, their time index, their outbox), and each
 * LevelDB read is a round trip through the thread pool; the cache answers repeated reads from
 * memory. It stays exact because the state machine applies batches one at a time and tells the
 * cache every write of a batch right after committing it (and clears it on a snapshot restore).
 * Queries keep reading LevelDB directly, so they never race with the cache's updates.
 */
import type { StateMachineOp } from '../../storage/state-machine-store.js'
import type { KeyspaceReader } from './keyspace-transaction.js'

/** Bounds on what is remembered; past them the oldest entries are forgotten first. */
const MAX_KEYS = 200_000
const MAX_PREFIXES = 20_000

export class AppliedKeyspaceCache implements KeyspaceReader {
  /** undefined values remember that a key is absent. */
  private readonly keys = new Map<string, Uint8Array | undefined>()
  private readonly prefixes = new Map<string, Map<string, Uint8Array>>()

  constructor(private readonly committed: KeyspaceReader) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    if (this.keys.has(key)) return this.keys.get(key)
    const value = await this.committed.get(key)
    remember(this.keys, key, value, MAX_KEYS)
    return value
  }

  async range(range: { readonly prefix: string }): Promise<Array<[string, Uint8Array]>> {
    // Only prefixes ending at a separator can be kept current by committedOps.
    if (!range.prefix.endsWith('/')) return this.committed.range(range)
    let cached = this.prefixes.get(range.prefix)
    if (cached === undefined) {
      cached = new Map(await this.committed.range(range))
      remember(this.prefixes, range.prefix, cached, MAX_PREFIXES)
    }
    return [...cached].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  }

  /** Brings the cache up to a just-committed batch. */
  committedOps(ops: readonly StateMachineOp[]): void {
    for (const op of ops) {
      const value = op.type === 'put' ? op.value : undefined
      if (this.keys.has(op.key)) this.keys.set(op.key, value)
      // Every cached prefix the key falls under ends at one of the key's '/' separators.
      for (let i = op.key.indexOf('/'); i >= 0; i = op.key.indexOf('/', i + 1)) {
        const entries = this.prefixes.get(op.key.slice(0, i + 1))
        if (entries === undefined) continue
        if (value === undefined) entries.delete(op.key)
        else entries.set(op.key, value)
      }
    }
  }

  clear(): void {
    this.keys.clear()
    this.prefixes.clear()
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V, max: number): void {
  if (map.size >= max) {
    const oldest = map.keys().next()
    if (oldest.done !== true) map.delete(oldest.value)
  }
  map.set(key, value)
}
