/**
 * The writes of one apply batch, layered over the committed keyspace. Commands applied earlier in
 * the batch are visible to later ones; nothing reaches LevelDB until the whole batch is committed
 * together with the applied index.
 */
import type { StateMachineOp } from '../../storage/state-machine-store.js'

export interface KeyspaceReader {
  get(key: string): Promise<Uint8Array | undefined>
}

export class KeyspaceTransaction {
  /** null marks a deletion. Insertion order is kept so the batch replays writes in order. */
  private readonly pending = new Map<string, Uint8Array | null>()

  constructor(private readonly base: KeyspaceReader) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    const written = this.pending.get(key)
    if (written !== undefined) return written ?? undefined
    return this.base.get(key)
  }

  put(key: string, value: Uint8Array): void {
    this.pending.delete(key)
    this.pending.set(key, value)
  }

  del(key: string): void {
    this.pending.delete(key)
    this.pending.set(key, null)
  }

  ops(): StateMachineOp[] {
    return [...this.pending].map(([key, value]) => (value === null ? { type: 'del', key } : { type: 'put', key, value }))
  }
}
