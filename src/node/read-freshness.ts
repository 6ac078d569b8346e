/**
 * How stale this replica's applied state may be, for reads that accept a staleness bound (follower
 * reads). Every answer is evidence of the form "at time t this replica had applied everything
 * committed": the staleness is how long ago t was; with no such evidence the read takes a
 * linearizable barrier instead.
 *
 * A leader's evidence is the latest time a quorum of voters (itself included) answered its appends
 * or heartbeats in its term: no other leader can have committed anything before their answers were
 * sent. A leader cut off from its office therefore ages like anyone else instead of calling itself
 * current until CheckQuorum deposes it. It also needs an entry of its own term applied, since only
 * then does it know which earlier entries were committed (Raft 5.4.2).
 *
 * A follower's evidence is an append from its current leader (carrying the leader's commit index)
 * once that commit is applied here. A heartbeat carries min(this follower's match, the leader's
 * commit), which is lower than the leader's commit whenever this follower lags (a learner catching
 * up, a snapshot in transfer), so it counts only when it is at least the commit of an earlier
 * append in the term. Known limit: a follower cannot see that its leader lost its quorum; with
 * five or more voters, one in the leader's minority may look current for up to an election
 * timeout too long (with three, a minority of one has no leader to hear).
 */
import type { RaftStatus } from '../../raft/index.js'
import type { Message, NodeId, Term } from '../../raft/types.js'

interface LeaderContact {
  readonly from: NodeId
  readonly term: Term
  /** The leader's commit index as of `atMs` (this replica's state is current once it applied it). */
  readonly commit: number
  /** The highest commit index an append of this leader carried: heartbeats below it prove nothing. */
  readonly appendCommit: number
  readonly atMs: number
}

interface Acknowledgement {
  readonly term: Term
  readonly atMs: number
}

export class ReadFreshness {
  private leaderContact: LeaderContact | null = null
  /** When each peer last answered this replica's appends or heartbeats, and in which term. */
  private readonly acknowledgements = new Map<NodeId, Acknowledgement>()
  /** This replica's leadership as first seen: entries through `lastIndex` include one of its own term. */
  private leadership: { readonly term: Term; readonly lastIndex: number } | null = null

  /** `now` must not jump (a monotonic clock): only differences of its readings are used. */
  constructor(
    private readonly status: () => RaftStatus,
    private readonly now: () => number,
  ) {}

  /** Every Raft message this replica receives passes here, before the Raft core sees it. */
  heard(message: Message): void {
    switch (message.type) {
      case 'append': {
        const same = this.sameLeader(message)
        if (same === 'older') return
        const appendCommit = same === 'same' && this.leaderContact !== null ? Math.max(this.leaderContact.appendCommit, message.commit) : message.commit
        this.leaderContact = { from: message.from, term: message.term, commit: message.commit, appendCommit, atMs: this.now() }
        return
      }
      case 'heartbeat': {
        const contact = this.leaderContact
        if (this.sameLeader(message) !== 'same' || contact === null || message.commit < contact.appendCommit) return
        this.leaderContact = { ...contact, commit: message.commit, atMs: this.now() }
        return
      }
      case 'appendResponse':
      case 'heartbeatResponse':
        this.acknowledgements.set(message.from, { term: message.term, atMs: this.now() })
        return
      default:
        return
    }
  }

  /** Milliseconds since this replica's applied state was known to be current; null when it cannot tell. */
  stalenessMs(): number | null {
    const status = this.status()
    return status.role === 'leader' ? this.leaderStalenessMs(status) : this.followerStalenessMs(status)
  }

  private leaderStalenessMs(status: RaftStatus): number | null {
    if (this.leadership?.term !== status.term) this.leadership = { term: status.term, lastIndex: status.lastIndex }
    if (status.applied < this.leadership.lastIndex) return null
    const voters = status.conf.voters
    const others = voters.filter((id) => id !== status.id)
    const answersNeeded = Math.floor(voters.length / 2) + 1 - (others.length < voters.length ? 1 : 0)
    if (answersNeeded <= 0) return 0
    const answeredAt = others
      .map((id) => this.acknowledgements.get(id))
      .flatMap((ack) => (ack !== undefined && ack.term === status.term ? [ack.atMs] : []))
      .sort((a, b) => b - a)
    const quorumAt = answeredAt[answersNeeded - 1]
    return quorumAt === undefined ? null : this.now() - quorumAt
  }

  private followerStalenessMs(status: RaftStatus): number | null {
    const contact = this.leaderContact
    if (contact === null || status.leader !== contact.from || status.term !== contact.term || status.applied < contact.commit) return null
    return this.now() - contact.atMs
  }

  /** How a message from a leader relates to the one last heard from. */
  private sameLeader(message: { readonly from: NodeId; readonly term: Term }): 'same' | 'newer' | 'older' {
    const contact = this.leaderContact
    if (contact === null || message.term > contact.term) return 'newer'
    if (message.term < contact.term) return 'older'
    return message.from === contact.from ? 'same' : 'newer'
  }
}
