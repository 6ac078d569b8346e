import type { Index, NodeId } from './types.js'

/** A read the leader is confirming: `requester` is the leader itself or a follower it answers. */
export interface PendingRead {
  readonly context: string
  readonly requester: NodeId
  readonly index: Index
}

interface Round {
  readonly id: string
  readonly sentTick: number
  readonly reads: PendingRead[]
  readonly acks: Set<NodeId>
}

export interface ConfirmedRounds {
  readonly reads: PendingRead[]
  /** Tick at which the newest confirmed round was sent: the leader was leader then. */
  readonly sentTick: number
}

/**
 * ReadIndex rounds. Every heartbeat broadcast is a round with its own id (sent as the heartbeat's
 * readContext and echoed back). Reads join the newest round not yet sent, so reads arriving
 * between two `Ready`s share one broadcast. When a quorum acknowledges a round, the leader was
 * still leader when it sent that round, which confirms that round and every older one. The same
 * confirmations renew the leader lease.
 */
export class ReadRounds {
  private rounds: Round[] = []
  private seq = 0
  private unsentRound: Round | null = null

  constructor(private readonly term: number) {}

  /** Starts a round at tick `now`; returns its id to put in the heartbeats. */
  startRound(now: number, self: NodeId, selfVotes: boolean): string {
    this.seq++
    const round: Round = { id: `${this.term}.${this.seq}`, sentTick: now, reads: [], acks: new Set() }
    if (selfVotes) round.acks.add(self)
    this.rounds.push(round)
    this.unsentRound = round
    return round.id
  }

  /** The round that reads may still join, if its heartbeats have not left yet. */
  openRound(): string | null {
    return this.unsentRound?.id ?? null
  }

  addRead(roundId: string, read: PendingRead): void {
    this.rounds.find((r) => r.id === roundId)?.reads.push(read)
  }

  /** The round's heartbeats left in a Ready: later reads need a new round. */
  sealOpenRound(): void {
    this.unsentRound = null
  }

  /** Records an acknowledgement; returns the rounds it confirmed, or null. */
  acknowledge(
    roundId: string,
    from: NodeId,
    isQuorum: (acks: ReadonlySet<NodeId>) => boolean,
  ): ConfirmedRounds | null {
    const at = this.rounds.findIndex((r) => r.id === roundId)
    const round = this.rounds[at]
    if (round === undefined) return null
    round.acks.add(from)
    if (!isQuorum(round.acks)) return null
    return this.confirmThrough(at)
  }

  /** Single-voter clusters confirm a round with the leader's own vote. */
  confirmIfQuorum(roundId: string, isQuorum: (acks: ReadonlySet<NodeId>) => boolean): ConfirmedRounds | null {
    const at = this.rounds.findIndex((r) => r.id === roundId)
    const round = this.rounds[at]
    if (round === undefined || !isQuorum(round.acks)) return null
    return this.confirmThrough(at)
  }

  private confirmThrough(at: number): ConfirmedRounds {
    const confirmed = this.rounds.slice(0, at + 1)
    this.rounds = this.rounds.slice(at + 1)
    if (this.unsentRound !== null && !this.rounds.includes(this.unsentRound)) this.unsentRound = null
    const newest = confirmed[confirmed.length - 1]
    return { reads: confirmed.flatMap((r) => r.reads), sentTick: newest?.sentTick ?? 0 }
  }

  /** Rounds carrying no reads are only useful for the lease, which they cannot renew once old. */
  dropStaleRounds(now: number, maxAge: number): void {
    this.rounds = this.rounds.filter((r) => r.reads.length > 0 || now - r.sentTick < maxAge || r === this.unsentRound)
  }

  /** Leadership is lost: every pending read fails. */
  drain(): PendingRead[] {
    const reads = this.rounds.flatMap((r) => r.reads)
    this.rounds = []
    this.unsentRound = null
    return reads
  }
}
