/**
 * How stale this replica's applied state may be, for reads that accept a staleness bound (follower
 * reads). A leader's is current: it leads, and were it cut off from its office, CheckQuorum would
 * step it down within an election timeout (the one way this is optimistic, as for lease reads). A
 * follower's is as old as the last append or heartbeat its leader sent it, provided it has applied
 * the commit index that message carried. Otherwise (no leader known, a new term, behind what it
 * was told) it cannot tell, and the read takes a linearizable barrier instead.
 */
import type { RaftStatus } from '../../raft/index.js'
import type { Message } from '../../raft/types.js'

interface LeaderContact {
  readonly from: string
  readonly term: number
  readonly commit: number
  readonly atMs: number
}

export class ReadFreshness {
  private last: LeaderContact | null = null

  constructor(
    private readonly status: () => RaftStatus,
    private readonly now: () => number,
  ) {}

  /** Every Raft message this replica receives passes here; only a leader sends appends and heartbeats. */
  heard(message: Message): void {
    if (message.type === 'append' || message.type === 'heartbeat') this.last = { from: message.from, term: message.term, commit: message.commit, atMs: this.now() }
  }

  /** Milliseconds since this replica's applied state was known to be current; null when it cannot tell. */
  stalenessMs(): number | null {
    const status = this.status()
    if (status.role === 'leader') return 0
    const last = this.last
    if (last === null || status.leader !== last.from || status.term !== last.term || status.applied < last.commit) return null
    return this.now() - last.atMs
  }
}
