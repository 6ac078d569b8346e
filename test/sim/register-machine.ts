/**
 * The replicated state machine the simulator runs on every replica: an append-only register of
 * client write ids. Each command's bytes are a write id ("w17"); the machine remembers which id
 * it applied at which log index, so reads and snapshots can be checked against the global
 * history. It also tracks membership as of its applied index, which snapshots must carry.
 */
import type { ConfState, Entry, Index, Snapshot, Term } from '../../raft/types.js'
import { applyConfChange } from './membership.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder()

export function encodeWrite(writeId: string): Uint8Array {
  return encoder.encode(writeId)
}

export function decodeWrite(data: Uint8Array): string {
  return decoder.decode(data)
}

/** A stable description of an entry's content, for comparing entries across replicas. */
export function entryFingerprint(entry: Entry): string {
  switch (entry.kind) {
    case 'command':
      return `${entry.term}/cmd:${decodeWrite(entry.data)}`
    case 'noop':
      return `${entry.term}/noop`
    case 'config':
      return `${entry.term}/conf:${entry.change.type}:${entry.change.node}`
  }
}

interface MachineState {
  readonly applied: Index
  readonly appliedTerm: Term
  readonly conf: ConfState
  /** [index, writeId] of every write applied so far, in index order. */
  readonly writes: ReadonlyArray<readonly [Index, string]>
}

/**
 * The machine's state at one moment, cheap to take: a machine only ever appends writes, so the
 * state as of a checkpoint is its fields plus the first `writeCount` writes.
 */
export interface MachineCheckpoint {
  readonly applied: Index
  readonly appliedTerm: Term
  readonly conf: ConfState
  readonly writeCount: number
}

export class RegisterMachine {
  private applied: Index
  private appliedTerm: Term
  private conf: ConfState
  private readonly writes: Array<readonly [Index, string]>
  private readonly writeAt = new Map<Index, string>()

  private constructor(state: MachineState) {
    this.applied = state.applied
    this.appliedTerm = state.appliedTerm
    this.conf = state.conf
    this.writes = [...state.writes]
    for (const [index, id] of state.writes) this.writeAt.set(index, id)
  }

  static empty(conf: ConfState): RegisterMachine {
    return new RegisterMachine({ applied: 0, appliedTerm: 0, conf, writes: [] })
  }

  static fromSnapshot(snapshot: Snapshot): RegisterMachine {
    const state = JSON.parse(decoder.decode(snapshot.data)) as MachineState
    return new RegisterMachine(state)
  }

  appliedIndex(): Index {
    return this.applied
  }

  /** The write applied at `index`, if that entry was a client write. */
  writeIdAt(index: Index): string | undefined {
    return this.writeAt.get(index)
  }

  /** Index of the latest applied write: what a read observes. */
  lastWriteIndex(): Index {
    const last = this.writes[this.writes.length - 1]
    return last?.[0] ?? 0
  }

  appliedWrites(): ReadonlyArray<readonly [Index, string]> {
    return this.writes
  }

  apply(entry: Entry): void {
    if (entry.kind === 'command') {
      const id = decodeWrite(entry.data)
      this.writes.push([entry.index, id])
      this.writeAt.set(entry.index, id)
    } else if (entry.kind === 'config') {
      this.conf = applyConfChange(this.conf, entry.change)
    }
    this.applied = entry.index
    this.appliedTerm = entry.term
  }

  checkpoint(): MachineCheckpoint {
    return { applied: this.applied, appliedTerm: this.appliedTerm, conf: this.conf, writeCount: this.writes.length }
  }

  /** A new machine holding this one's state as of `checkpoint` (taken from this machine, applies ago). */
  rewoundTo(checkpoint: MachineCheckpoint): RegisterMachine {
    if (checkpoint.applied > this.applied || checkpoint.writeCount > this.writes.length) {
      throw new Error(`checkpoint at ${checkpoint.applied} (${checkpoint.writeCount} writes) is not behind this machine at ${this.applied} (${this.writes.length} writes)`)
    }
    const { applied, appliedTerm, conf, writeCount } = checkpoint
    return new RegisterMachine({ applied, appliedTerm, conf, writes: this.writes.slice(0, writeCount) })
  }

  /** A snapshot of the state as of the applied index (what the application hands to `compact`). */
  snapshot(): Snapshot {
    const state: MachineState = { applied: this.applied, appliedTerm: this.appliedTerm, conf: this.conf, writes: this.writes }
    return {
      meta: { index: this.applied, term: this.appliedTerm, conf: this.conf },
      data: encoder.encode(JSON.stringify(state)),
    }
  }
}
