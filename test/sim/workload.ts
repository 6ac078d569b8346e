/**
 * The clients: writes (proposals) and linearizable reads, with what each was told. A write is
 * acknowledged when the replica that accepted it applies that very write at the index it was
 * given. A read is issued at some time, gets a ReadState, and is served once the replica has
 * applied up to its index; it observes the latest write the replica's state machine holds.
 *
 * Read linearizability, checked when a read is served: it must observe every write acknowledged
 * before the read was issued, and everything any read that returned before it was issued
 * observed (reads may not go back in time). Writes issued after the read returned cannot be
 * observed by construction, since the observation is taken when the read returns.
 */
import type { Entry, Index, NodeId, ReadState, Term } from '../../raft/types.js'
import { decodeWrite, type RegisterMachine } from './register-machine.js'
import { SimulationViolation } from './violation.js'

interface WriteRef {
  readonly index: Index
  readonly id: string
}

interface PendingWrite {
  readonly id: string
  readonly term: Term
}

interface PendingRead {
  readonly node: NodeId
  readonly issuedAt: number
  /** The newest write the read must observe: the latest acknowledged or observed one at issue. */
  readonly mustSee: WriteRef | null
  waitFor: Index | null
}

export type Outcome = 'pending' | 'done' | 'failed'

export interface AckedWrite extends WriteRef {
  readonly ackedAt: number
}

export class Workload {
  private writeSeq = 0
  private readSeq = 0
  private readonly pendingWrites = new Map<NodeId, Map<Index, PendingWrite>>()
  private readonly pendingReads = new Map<string, PendingRead>()
  private readonly acked: AckedWrite[] = []
  private readonly outcomes = new Map<string, Outcome>()
  /** Newest write acknowledged or observed by a returned read so far. */
  private newestVisible: WriteRef | null = null
  readsServed = 0

  nextWriteId(): string {
    return `w${++this.writeSeq}`
  }

  nextReadContext(): string {
    return `r${++this.readSeq}`
  }

  acknowledged(): readonly AckedWrite[] {
    return this.acked
  }

  writeAccepted(node: NodeId, id: string, index: Index, term: Term): void {
    let perNode = this.pendingWrites.get(node)
    if (perNode === undefined) {
      perNode = new Map()
      this.pendingWrites.set(node, perNode)
    }
    perNode.set(index, { id, term })
    this.outcomes.set(id, 'pending')
  }

  readAccepted(node: NodeId, context: string, now: number): void {
    this.pendingReads.set(context, { node, issuedAt: now, mustSee: this.newestVisible, waitFor: null })
    this.outcomes.set(context, 'pending')
  }

  /** What became of a write (by id) or a read (by context): acknowledged/served, failed, or open. */
  outcome(request: string): Outcome | undefined {
    return this.outcomes.get(request)
  }

  /** `node` applied `entry`: resolves the write it accepted at that index, if any. */
  applied(node: NodeId, entry: Entry, now: number): void {
    const pending = this.pendingWrites.get(node)?.get(entry.index)
    if (pending === undefined) return
    this.pendingWrites.get(node)?.delete(entry.index)
    if (entry.kind === 'command' && entry.term === pending.term && decodeWrite(entry.data) === pending.id) {
      this.acknowledge({ index: entry.index, id: pending.id }, now)
    } else {
      this.outcomes.set(pending.id, 'failed')
    }
  }

  /** `node` installed a snapshot: writes it accepted at covered indexes resolve from the machine. */
  installed(node: NodeId, machine: RegisterMachine, now: number): void {
    const perNode = this.pendingWrites.get(node)
    if (perNode === undefined) return
    for (const [index, pending] of [...perNode]) {
      if (index > machine.appliedIndex()) continue
      perNode.delete(index)
      if (machine.writeIdAt(index) === pending.id) this.acknowledge({ index, id: pending.id }, now)
      else this.outcomes.set(pending.id, 'failed')
    }
  }

  readState(node: NodeId, state: ReadState): void {
    const read = this.pendingReads.get(state.context)
    if (read === undefined || read.node !== node) return
    read.waitFor = state.index
  }

  readFailed(context: string): void {
    if (this.pendingReads.delete(context)) this.outcomes.set(context, 'failed')
  }

  /** Serves every read at `node` whose index the machine has reached, checking each one. */
  serveReads(node: NodeId, machine: RegisterMachine, now: number): void {
    for (const [context, read] of this.pendingReads) {
      if (read.node !== node || read.waitFor === null || read.waitFor > machine.appliedIndex()) continue
      this.pendingReads.delete(context)
      const must = read.mustSee
      if (must !== null && machine.writeIdAt(must.index) !== must.id) {
        throw new SimulationViolation(
          'linearizable read',
          `read ${context} issued at t=${read.issuedAt} on ${node} (read index ${read.waitFor}), served at t=${now}, returned state up to write index ${machine.lastWriteIndex()}, missing ${must.id} at index ${must.index} that was acknowledged or observed before it was issued`,
        )
      }
      this.readsServed++
      this.outcomes.set(context, 'done')
      const observed = machine.lastWriteIndex()
      if (observed > 0 && (this.newestVisible === null || observed > this.newestVisible.index)) {
        this.newestVisible = { index: observed, id: machine.writeIdAt(observed) as string }
      }
    }
  }

  /** A replica lost its volatile state: its clients' outstanding requests time out. */
  replicaDown(node: NodeId): void {
    for (const pending of this.pendingWrites.get(node)?.values() ?? []) this.outcomes.set(pending.id, 'failed')
    this.pendingWrites.delete(node)
    for (const [context, read] of [...this.pendingReads]) {
      if (read.node !== node) continue
      this.pendingReads.delete(context)
      this.outcomes.set(context, 'failed')
    }
  }

  private acknowledge(write: WriteRef, now: number): void {
    this.acked.push({ ...write, ackedAt: now })
    this.outcomes.set(write.id, 'done')
    if (this.newestVisible === null || write.index > this.newestVisible.index) this.newestVisible = write
  }
}
