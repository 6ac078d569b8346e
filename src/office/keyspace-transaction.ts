/**
 * The writes of one apply batch, layered over the committed keyspace. Commands applied earlier in
 * the batch are visible to later ones; nothing reaches LevelDB until the whole batch is committed
 * together with the applied index.
 */
import type { StateMachineOp } from '../../storage/state-machine-store.js'

export interface KeyspaceReader {
  get(key: string): Promise<Uint8Array | undefined>
  range(range: { readonly prefix: string }): Promise<Array<[string, Uint8Array]>>
}

export class KeyspaceTransaction implements KeyspaceReader {
  /** null marks a deletion. Insertion order is kept so the batch replays writes in order. */
  private readonly pending = new Map<string, Uint8Array | null>()
  /** Written keys by each of their '/'-terminated prefixes, so a range looks only at its own. */
  private readonly pendingUnder = new Map<string, Set<string>>()

  constructor(private readonly base: KeyspaceReader) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const written = this.pending.get(key)
    if (written !== undefined) return written ?? undefined
    return this.base.get(key)
  }

  /** The keys under `prefix`, in key order, as the batch has changed them so far. */
  async range(range: { readonly prefix: string }): Promise<Array<[string, Uint8Array]>> {
    const merged = new Map(await this.base.range(range))
    const written = range.prefix.endsWith('/') ? (this.pendingUnder.get(range.prefix) ?? []) : [...this.pending.keys()].filter((k) => k.startsWith(range.prefix))
    let changed = false
    for (const key of written) {
      const value = this.pending.get(key)
      changed = true
      if (value === null || value === undefined) merged.delete(key)
      else merged.set(key, value)
    }
    const pairs = [...merged]
    // Plain code-unit order matches LevelDB's byte order for the ASCII keys used here.
    return changed ? pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : pairs
  }

  put(key: string, value: Uint8Array): void {
    this.record(key, value)
  }

  del(key: string): void {
    this.record(key, null)
  }

  private record(key: string, value: Uint8Array | null): void {
    this.pending.delete(key)
    this.pending.set(key, value)
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      const prefix = key.slice(0, i + 1)
      let keys = this.pendingUnder.get(prefix)
      if (keys === undefined) this.pendingUnder.set(prefix, (keys = new Set()))
      keys.add(key)
    }
  }

  /** Hands this (nested) transaction's writes to the one it reads through, in order. */
  mergeInto(parent: KeyspaceTransaction): void {
    for (const [key, value] of this.pending) {
      if (value === null) parent.del(key)
      else parent.put(key, value)
    }
  }

  ops(): StateMachineOp[] {
    return [...this.pending].map(([key, value]) => (value === null ? { type: 'del', key } : { type: 'put', key, value }))
  }
}
