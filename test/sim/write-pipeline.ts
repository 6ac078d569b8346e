/**
 * The pending writes of the pipelined driver (raft/driver.ts), as the simulator models them: a
 * FIFO that lands one write at a time, in order. A Ready's write joins the newest pending write
 * while that one has not started (the group commit: one synced write then covers them all), and
 * queues a new one otherwise. The oldest write starts once the driver yields (the end of the
 * replica's step), and the one behind it as soon as it lands, the way the write chain runs them;
 * so at most one write is under way and at most one gathers Readys behind it. Writes are
 * numbered as they start, so the event that lands one cannot land another.
 */
import { joinEntries } from '../../raft/driver.js'
import type { Entry, HardState, Message } from '../../raft/types.js'
import type { MachineCheckpoint } from './register-machine.js'

export interface PendingWrite {
  /** The Readys' entries merged: a later Ready's replace the earlier ones from its first index on. */
  entries: Entry[]
  /** The newest hard state the Readys handed out. */
  hardState: HardState | null
  /** Messages that vouch for this write and every one before it (acknowledgements, votes), in Ready order. */
  readonly late: Message[]
  /**
   * The state machine as of the last apply handed out while this was the newest write: that
   * apply's durable effects wait for this write, so they land with it.
   */
  settles: MachineCheckpoint | null
}

export class WritePipeline {
  private readonly pending: PendingWrite[] = []
  /** The oldest write's number once it went to storage (Readys no longer join it), else null. */
  private underWayNumber: number | null = null
  private started = 0

  isEmpty(): boolean {
    return this.pending.length === 0
  }

  /** The write handed out last: an apply handed out now waits for it. */
  newest(): PendingWrite | undefined {
    return this.pending[this.pending.length - 1]
  }

  /** A Ready's write and the messages that must wait for it (and for every write before it). */
  enqueue(entries: readonly Entry[], hardState: HardState | null, late: readonly Message[]): void {
    const newest = this.newest()
    const newestStarted = this.pending.length === 1 && this.underWayNumber !== null
    if (newest === undefined || newestStarted) {
      this.pending.push({ entries: [...entries], hardState, late: [...late], settles: null })
      return
    }
    newest.entries = joinEntries(newest.entries, entries)
    if (hardState !== null) newest.hardState = hardState
    newest.late.push(...late)
  }

  /** The oldest write goes to storage, unless it has or there is none; returns its number if it just did. */
  startOldest(): number | null {
    if (this.underWayNumber !== null || this.pending.length === 0) return null
    this.underWayNumber = ++this.started
    return this.underWayNumber
  }

  oldest(): PendingWrite | undefined {
    return this.pending[0]
  }

  /** The number of the write under way, or null. */
  underWay(): number | null {
    return this.underWayNumber
  }

  /** The write under way lands: it leaves the queue. */
  land(): PendingWrite | undefined {
    if (this.underWayNumber === null) return undefined
    this.underWayNumber = null
    return this.pending.shift()
  }

  /** A crash: none of the pending writes lands. */
  drop(): void {
    this.pending.length = 0
    this.underWayNumber = null
  }
}
