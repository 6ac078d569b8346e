/**
 * A trivial replicated key-value state machine on StateMachineStore, for driver tests: a command
 * is msgpack `[key, value]`; applying it stores the value and returns it. Each apply() call is
 * one store commit (effects plus applied position), landing after the log's write of them.
 */
import { pack, unpack } from 'msgpackr'
import type { ReplicatedStateMachine } from '../../raft/driver.js'
import type { Entry, Snapshot } from '../../raft/types.js'
import type { StateMachineOp, StateMachineStore } from '../../storage/state-machine-store.js'

export function encodePut(key: string, value: string): Uint8Array {
  return pack([key, value])
}

/** Lets a test watch applies and hold snapshots. */
export interface KvStateMachineHooks {
  /** Called as each apply starts, with the log writes its state machine write waits for. */
  readonly onApply?: (entries: readonly Entry[], stored: Promise<void>) => void
  /** Awaited before each snapshot is read. */
  readonly beforeSnapshot?: () => Promise<void>
}

export class KvStateMachine implements ReplicatedStateMachine<string | null> {
  /** Snapshots installed, so tests can tell catching up by snapshot from catching up by log. */
  restores = 0

  constructor(
    readonly store: StateMachineStore,
    private readonly hooks: KvStateMachineHooks = {},
  ) {}

  async apply(entries: readonly Entry[], stored: Promise<void>): Promise<Array<string | null>> {
    this.hooks.onApply?.(entries, stored)
    const ops: StateMachineOp[] = []
    const results = entries.map((entry) => {
      if (entry.kind !== 'command') return null
      const [key, value] = unpack(entry.data) as [string, string]
      ops.push({ type: 'put', key, value: Buffer.from(value) })
      return value
    })
    const last = entries[entries.length - 1]
    // Not awaited, as the office's: the write lands after the log's (`stored`), and reads wait for it.
    if (last !== undefined) this.store.commitInBackground(ops, { index: last.index, term: last.term }, stored)
    return results
  }

  async value(key: string): Promise<string | undefined> {
    const bytes = await this.store.get(key)
    return bytes === undefined ? undefined : Buffer.from(bytes).toString()
  }

  async snapshot(): ReturnType<StateMachineStore['snapshotData']> {
    // Read now, as the contract asks (the state as of the call); a held hook only delays the answer.
    const [data] = await Promise.all([this.store.snapshotData(), this.hooks.beforeSnapshot?.()])
    return data
  }

  restore(snapshot: Snapshot): Promise<void> {
    this.restores++
    return this.store.installSnapshot(snapshot)
  }
}
