import { assert } from './assert.js'
import { isWellFormed } from './message-sanity.js'
import { applyConfChange, members, validateConfChange } from './membership.js'
import { Progress } from './progress.js'
import { hasQuorum, quorumIndex, tallyVotes } from './quorum.js'
import { RaftLog } from './raft-log.js'
import { ReadRounds, type ConfirmedRounds, type PendingRead } from './read-only.js'
import { SnapshotReceiver } from './snapshot-receiver.js'
import { validateRaftConfig, validateRestoredState } from './startup-validation.js'
import type { FollowerProgress, RaftStatus } from './status.js'
import type {
  AppendRequest,
  AppendResponse,
  ConfChange,
  ConfState,
  Entry,
  HardState,
  HeartbeatRequest,
  HeartbeatResponse,
  Index,
  Message,
  NodeId,
  PreVoteRequest,
  PreVoteResponse,
  ProposeResult,
  RaftConfig,
  ReadState,
  Ready,
  RestoredState,
  Role,
  Snapshot,
  SnapshotChunkRequest,
  SnapshotChunkResponse,
  SoftState,
  Term,
  VoteRequest,
  VoteResponse,
} from './types.js'

/** Messages are built without sender and term; `send` stamps them. */
type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from' | 'term'> : never) : never

interface ForwardedRead {
  readonly context: string
  readonly sentTick: number
}

/**
 * One Raft replica as a pure state machine. Inputs: `tick`, `step`, `propose`, `readIndex`,
 * membership and transfer requests. Output: `Ready` batches; see docs/DESIGN.md §2.
 */
export class RaftNode {
  readonly id: NodeId
  private readonly config: RaftConfig
  private readonly log: RaftLog

  // Durable state (HardState), with commit living in the log.
  private term: Term
  private vote: NodeId | null

  private role: Role = 'follower'
  private leader: NodeId | null = null

  // Membership as of the last entry in the log (takes effect on append).
  private conf: ConfState
  /** Membership at the snapshot boundary: the base the log's config entries are replayed on. */
  private baseConf: ConfState
  /** Index of the last config entry in the log, or 0. */
  private pendingConfIndex: Index = 0

  // Clocks, in ticks.
  private ticks = 0
  private electionElapsed = 0
  private heartbeatElapsed = 0
  private randomizedElectionTimeout = 0
  /** Ticks since a leader was last heard from; drives the (pre-)vote lease check. */
  private leaderContactElapsed: number

  // Candidate state.
  private votes = new Map<NodeId, boolean>()

  // Leader state.
  private readonly progress = new Map<NodeId, Progress>()
  private transferee: NodeId | null = null
  private transferElapsed = 0
  /** Once a transfer started in this term, a new leader may appear at any time: no lease. */
  private leaseRevoked = false
  /** Tick at which the newest quorum-confirmed heartbeat round was sent, this term. */
  private leaseStart: number | null = null
  private readRounds: ReadRounds | null = null
  /** Reads received before the leader committed an entry of its term. */
  private readsAwaitingTermCommit: { context: string; requester: NodeId }[] = []
  /** Appends to every follower are due at the next `ready()` (batches proposals together). */
  private broadcastDue = false

  // Follower state.
  private forwardedReads: ForwardedRead[] = []
  private readonly snapshotReceiver = new SnapshotReceiver()

  // Output not yet handed to the driver.
  private messages: Message[] = []
  private readStates: ReadState[] = []
  private readFailures: string[] = []
  private emittedSoftState: SoftState
  private emittedHardState: HardState

  constructor(config: RaftConfig, restored: RestoredState) {
    validateRaftConfig(config)
    validateRestoredState(restored)
    this.config = config
    this.id = config.id
    this.term = restored.hardState.term
    this.vote = restored.hardState.vote
    this.log = new RaftLog(restored.snapshot, restored.entries, restored.hardState.commit, restored.applied)
    this.baseConf = restored.snapshot?.meta.conf ?? restored.conf
    this.conf = this.baseConf
    this.replayConf()
    // With lease reads, a restarted replica may have promised a leader not to vote for a while.
    this.leaderContactElapsed = config.leaseReads ? 0 : config.electionTicks
    this.resetElectionTimeout()
    this.emittedSoftState = this.softState()
    this.emittedHardState = restored.hardState
  }

  // ---------------------------------------------------------------------------------------------
  // Decisions kept in overridable methods so test-only variants can break them on purpose.
  // ---------------------------------------------------------------------------------------------

  /** Vote for `msg.from` in `msg.term` (== our term here)? At most one vote per term. */
  protected canGrantVote(msg: VoteRequest): boolean {
    const free = this.vote === msg.from || (this.vote === null && this.leader === null)
    return free && this.log.isUpToDate(msg.lastLogIndex, msg.lastLogTerm)
  }

  /** The commit rule counts replicas only for entries of the current term (Raft §5.4.2). */
  protected isCommittableTerm(index: Index): boolean {
    return this.log.term(index) === this.term
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs
  // ---------------------------------------------------------------------------------------------

  tick(): void {
    this.ticks++
    this.expireForwardedReads()
    if (this.role === 'leader') this.tickLeader()
    else this.tickElection()
    this.checkInvariants()
  }

  step(msg: Message): void {
    if (!isWellFormed(msg) || msg.to !== this.id || msg.from === this.id) return
    if (msg.term > this.term && !this.acceptHigherTerm(msg)) return
    if (msg.term < this.term) {
      this.answerStaleTerm(msg)
      return
    }
    this.dispatch(msg)
    this.checkInvariants()
  }

  propose(data: Uint8Array): ProposeResult {
    if (!(data instanceof Uint8Array)) throw new TypeError('propose: data must be a Uint8Array')
    const refusal = this.refuseProposal()
    if (refusal !== null) return refusal
    const index = this.log.lastIndex() + 1
    this.appendEntry({ kind: 'command', term: this.term, index, data })
    return { ok: true, index, term: this.term }
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const refusal = this.refuseProposal()
    if (refusal !== null) return refusal
    if (!this.committedInCurrentTerm()) {
      return { ok: false, reason: 'confChangePending', detail: 'the leader has not committed an entry of its term yet' }
    }
    if (this.pendingConfIndex > this.log.committed) {
      return { ok: false, reason: 'confChangePending', detail: `config entry ${this.pendingConfIndex} is not committed yet` }
    }
    if (typeof change.node !== 'string' || change.node.length === 0) {
      return { ok: false, reason: 'invalidConfChange', detail: 'ConfChange.node must be a non-empty node id' }
    }
    const invalid = validateConfChange(this.conf, change)
    if (invalid !== null) return { ok: false, reason: 'invalidConfChange', detail: invalid }
    const index = this.log.lastIndex() + 1
    this.appendEntry({ kind: 'config', term: this.term, index, change })
    return { ok: true, index, term: this.term }
  }

  readIndex(context: string): { ok: true } | { ok: false; reason: 'notLeader'; leader: NodeId | null } {
    if (typeof context !== 'string') throw new TypeError('readIndex: context must be a string')
    if (this.role === 'leader') {
      this.serveRead(context, this.id)
      return { ok: true }
    }
    if (this.leader === null) return { ok: false, reason: 'notLeader', leader: null }
    this.forwardedReads.push({ context, sentTick: this.ticks })
    this.send({ type: 'readIndex', to: this.leader, context })
    return { ok: true }
  }

  transferLeadership(to: NodeId): { ok: true } | { ok: false; reason: string } {
    if (this.role !== 'leader') return { ok: false, reason: `node ${this.id} is not the leader` }
    if (to === this.id) return { ok: false, reason: `node ${to} is already the leader` }
    if (!this.conf.voters.includes(to)) return { ok: false, reason: `node ${to} is not a voter` }
    if (this.transferee === to) return { ok: true }
    this.transferee = to
    this.transferElapsed = 0
    this.leaseRevoked = true
    const pr = this.progress.get(to)
    assert(pr !== undefined, 'voter {0} has no progress', to)
    if (pr.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', to })
    else this.sendAppend(to)
    return { ok: true }
  }

  /**
   * The application snapshotted its state at `snapshot.meta.index` (<= applied). The core drops
   * the log up to there and keeps the snapshot for followers that fall behind. The returned
   * snapshot is the one kept: its term and membership are the core's own record for that index,
   * so the driver should persist the returned value.
   */
  compact(snapshot: Snapshot): Snapshot {
    const index = snapshot.meta.index
    if (!Number.isSafeInteger(index) || index < 0) throw new Error(`compact: snapshot.meta.index is invalid: ${index}`)
    if (index > this.log.applied) throw new Error(`compact: snapshot.meta.index ${index} is beyond the applied index ${this.log.applied}`)
    const current = this.log.latestSnapshot()
    if (index <= this.log.snapshotIndex() && current !== null) return current
    const term = this.log.term(index)
    assert(term !== undefined, 'term of applied index {0} unknown', index)
    const kept: Snapshot = { meta: { index, term, conf: this.confAt(index) }, data: snapshot.data }
    this.log.compact(kept)
    this.baseConf = kept.meta.conf
    return kept
  }

  // ---------------------------------------------------------------------------------------------
  // Output
  // ---------------------------------------------------------------------------------------------

  hasReady(): boolean {
    return (
      this.broadcastDue ||
      this.messages.length > 0 ||
      this.readStates.length > 0 ||
      this.readFailures.length > 0 ||
      !sameSoftState(this.softState(), this.emittedSoftState) ||
      !sameHardState(this.hardState(), this.emittedHardState) ||
      this.log.hasUnsentWork()
    )
  }

  ready(): Ready {
    if (this.broadcastDue) this.broadcastAppend()
    this.readRounds?.sealOpenRound()
    const soft = this.softState()
    const hard = this.hardState()
    const snapshot = this.log.nextUnstableSnapshot()
    const entries = this.log.nextUnstableEntries()
    const committed = this.log.nextCommittedEntries()
    const ready: Ready = {
      softState: sameSoftState(soft, this.emittedSoftState) ? null : soft,
      hardState: sameHardState(hard, this.emittedHardState) ? null : hard,
      entries,
      snapshot,
      messages: this.messages,
      committed,
      readStates: this.readStates,
      readFailures: this.readFailures,
    }
    this.log.markHandedOut(snapshot, entries, committed)
    this.emittedSoftState = soft
    this.emittedHardState = hard
    this.messages = []
    this.readStates = []
    this.readFailures = []
    return ready
  }

  /** The driver stored and applied a Ready. */
  advance(ready: Ready): void {
    this.advanceStored(ready.snapshot, ready.entries)
    this.advanceApplied(ready.committed)
  }

  /** The driver made a Ready's snapshot and entries durable (a snapshot also installed). */
  advanceStored(snapshot: Snapshot | null, entries: readonly Entry[]): void {
    this.log.acknowledge(snapshot, entries, [])
    // The leader counts itself only for entries it has made durable (its appends may have left
    // before its own write finished): those just became durable may complete a quorum.
    if (this.role === 'leader' && this.maybeCommit()) this.broadcastDue = true
    this.checkInvariants()
  }

  /** The driver applied these committed entries. */
  advanceApplied(committed: readonly Entry[]): void {
    this.log.acknowledge(null, [], committed)
    this.checkInvariants()
  }

  status(): RaftStatus {
    let progress: Record<NodeId, FollowerProgress> | null = null
    if (this.role === 'leader') {
      progress = {}
      for (const [id, pr] of this.progress) {
        const inflight = pr.state === 'replicate' ? pr.inflights.count : pr.probeSent ? 1 : 0
        progress[id] = { match: pr.match, next: pr.next, state: pr.state, inflight }
      }
    }
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      firstIndex: this.log.firstIndex(),
      conf: this.conf,
      progress,
      transferringTo: this.transferee,
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Roles
  // ---------------------------------------------------------------------------------------------

  private becomeFollower(term: Term, leader: NodeId | null): void {
    const wasLeader = this.role === 'leader'
    if (wasLeader) this.failLeaderReads()
    if (term !== this.term) {
      this.failForwardedReads()
      this.term = term
      this.vote = null
    }
    this.resetRoleState()
    this.role = 'follower'
    this.leader = leader
  }

  private becomePreCandidate(): void {
    this.resetRoleState()
    this.role = 'preCandidate'
  }

  private becomeCandidate(): void {
    this.failForwardedReads()
    this.term++
    this.vote = this.id
    this.resetRoleState()
    this.role = 'candidate'
  }

  private becomeLeader(): void {
    assert(this.role === 'candidate', 'becoming leader from {0}', this.role)
    this.resetRoleState()
    this.role = 'leader'
    this.leader = this.id
    this.leaderContactElapsed = 0
    this.readRounds = new ReadRounds(this.term)
    this.syncProgressWithConf()
    // Committing this entry commits everything before it and unlocks reads and config changes.
    this.appendEntry({ kind: 'noop', term: this.term, index: this.log.lastIndex() + 1 })
  }

  private resetRoleState(): void {
    this.leader = null
    this.electionElapsed = 0
    this.heartbeatElapsed = 0
    this.resetElectionTimeout()
    this.votes = new Map()
    this.progress.clear()
    this.transferee = null
    this.transferElapsed = 0
    this.leaseRevoked = false
    this.leaseStart = null
    this.readRounds = null
    this.readsAwaitingTermCommit = []
    this.broadcastDue = false
  }

  private resetElectionTimeout(): void {
    const span = this.config.electionTicks
    this.randomizedElectionTimeout = span + Math.min(span - 1, Math.floor(this.config.random() * span))
  }

  private isPromotable(): boolean {
    return this.conf.voters.includes(this.id)
  }

  // ---------------------------------------------------------------------------------------------
  // Ticks
  // ---------------------------------------------------------------------------------------------

  private tickElection(): void {
    this.electionElapsed++
    this.leaderContactElapsed++
    if (this.isPromotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.campaign(this.config.preVote ? 'preVote' : 'vote', false)
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++
    this.electionElapsed++
    if (this.transferee !== null && ++this.transferElapsed >= this.config.electionTicks) {
      this.transferee = null
    }
    if (this.electionElapsed >= this.config.electionTicks) {
      this.electionElapsed = 0
      if (this.config.checkQuorum) {
        if (!hasQuorum(this.conf.voters, (id) => id === this.id || this.progress.get(id)?.recentActive === true)) {
          this.becomeFollower(this.term, null)
          return
        }
        for (const pr of this.progress.values()) pr.recentActive = false
      }
      this.leaderContactElapsed = 0
    }
    this.readRounds?.dropStaleRounds(this.ticks, this.config.electionTicks)
    if (this.heartbeatElapsed >= this.config.heartbeatTicks) {
      this.heartbeatElapsed = 0
      this.broadcastHeartbeat()
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Elections
  // ---------------------------------------------------------------------------------------------

  private campaign(kind: 'preVote' | 'vote', transfer: boolean): void {
    if (kind === 'preVote') this.becomePreCandidate()
    else this.becomeCandidate()
    const voteTerm = kind === 'preVote' ? this.term + 1 : this.term
    this.votes.set(this.id, true)
    if (this.tallyElection()) return
    for (const to of this.conf.voters) {
      if (to === this.id) continue
      const lastLogIndex = this.log.lastIndex()
      const lastLogTerm = this.log.lastTerm()
      if (kind === 'preVote') this.sendAtTerm(voteTerm, { type: 'preVote', to, lastLogIndex, lastLogTerm })
      else this.send({ type: 'vote', to, lastLogIndex, lastLogTerm, transfer })
    }
  }

  /** Acts on the current tally; returns true if the campaign ended. */
  private tallyElection(): boolean {
    const outcome = tallyVotes(this.conf.voters, this.votes)
    if (outcome === 'won') {
      if (this.role === 'preCandidate') this.campaign('vote', false)
      else this.becomeLeader()
      return true
    }
    if (outcome === 'lost') {
      this.becomeFollower(this.term, null)
      return true
    }
    return false
  }

  /** A (pre-)vote arriving while we recently heard from a leader would disrupt it. */
  private inLease(): boolean {
    return this.leaderContactElapsed < this.config.electionTicks
  }

  /** Handles a message from a higher term; returns false if it must be dropped. */
  private acceptHigherTerm(msg: Message): boolean {
    switch (msg.type) {
      case 'preVote':
        return true // answered without changing our term
      case 'preVoteResponse':
        if (msg.granted) return true // a grant comes in the proposed term, which is not adopted
        // A refusal carries the refuser's own term: catch up with it, or a replica with the
        // longest log but an older term could never win a pre-vote against newer-term replicas.
        this.becomeFollower(msg.term, null)
        return false
      case 'vote':
        if (this.config.checkQuorum && !msg.transfer && this.inLease()) return false
        this.becomeFollower(msg.term, null)
        return true
      case 'append':
      case 'heartbeat':
      case 'snapshot':
      case 'timeoutNow':
        this.becomeFollower(msg.term, msg.from)
        return true
      default:
        this.becomeFollower(msg.term, null)
        return true
    }
  }

  /** A message from an older term. Tell stale leaders and candidates about our term. */
  private answerStaleTerm(msg: Message): void {
    if ((this.config.checkQuorum || this.config.preVote) && (msg.type === 'append' || msg.type === 'heartbeat')) {
      // Without this a leader cut off by CheckQuorum or PreVote could wait forever to step down.
      this.send({ type: 'appendResponse', to: msg.from, index: 0, reject: true, hintIndex: 0, hintTerm: 0 })
    } else if (msg.type === 'preVote') {
      this.send({ type: 'preVoteResponse', to: msg.from, granted: false })
    } else if (msg.type === 'readIndex') {
      this.send({ type: 'readIndexResponse', to: msg.from, context: msg.context, index: null })
    }
  }

  private dispatch(msg: Message): void {
    switch (msg.type) {
      case 'preVote':
        return this.handlePreVote(msg)
      case 'preVoteResponse':
        return this.handlePreVoteResponse(msg)
      case 'vote':
        return this.handleVote(msg)
      case 'voteResponse':
        return this.handleVoteResponse(msg)
      case 'append':
        if (this.acknowledgeLeader(msg.from)) this.handleAppend(msg)
        return
      case 'heartbeat':
        if (this.acknowledgeLeader(msg.from)) this.handleHeartbeat(msg)
        return
      case 'snapshot':
        if (this.acknowledgeLeader(msg.from)) this.handleSnapshotChunk(msg)
        return
      case 'timeoutNow':
        if (this.acknowledgeLeader(msg.from) && this.isPromotable()) this.campaign('vote', true)
        return
      case 'appendResponse':
        return this.withProgress(msg.from, (pr) => this.handleAppendResponse(msg, pr))
      case 'heartbeatResponse':
        return this.withProgress(msg.from, (pr) => this.handleHeartbeatResponse(msg, pr))
      case 'snapshotResponse':
        return this.withProgress(msg.from, (pr) => this.handleSnapshotResponse(msg, pr))
      case 'readIndex':
        if (this.role === 'leader') this.serveRead(msg.context, msg.from)
        else this.send({ type: 'readIndexResponse', to: msg.from, context: msg.context, index: null })
        return
      case 'readIndexResponse':
        return this.handleReadIndexResponse(msg.context, msg.index)
    }
  }

  private handlePreVote(msg: PreVoteRequest): void {
    const granted = msg.term > this.term && !this.inLease() && this.log.isUpToDate(msg.lastLogIndex, msg.lastLogTerm)
    // A grant is sent in the proposed term, a refusal in our own (see acceptHigherTerm).
    this.sendAtTerm(granted ? msg.term : this.term, { type: 'preVoteResponse', to: msg.from, granted })
  }

  private handlePreVoteResponse(msg: PreVoteResponse): void {
    if (this.role !== 'preCandidate' || msg.term !== (msg.granted ? this.term + 1 : this.term)) return
    this.votes.set(msg.from, msg.granted)
    this.tallyElection()
  }

  private handleVote(msg: VoteRequest): void {
    // The lease also covers a term we adopted from a stray message while a leader was alive.
    if (this.config.checkQuorum && !msg.transfer && this.inLease() && this.vote !== msg.from && this.role !== 'leader') return
    const granted = this.canGrantVote(msg)
    if (granted) {
      this.vote = msg.from
      this.electionElapsed = 0
    }
    this.send({ type: 'voteResponse', to: msg.from, granted })
  }

  private handleVoteResponse(msg: VoteResponse): void {
    if (this.role !== 'candidate') return
    this.votes.set(msg.from, msg.granted)
    this.tallyElection()
  }

  /** A leader message in our term: follow its sender. Returns false if we lead this term. */
  private acknowledgeLeader(from: NodeId): boolean {
    if (this.role === 'leader') return false
    if (this.role !== 'follower') this.becomeFollower(this.term, from)
    this.leader = from
    this.electionElapsed = 0
    this.leaderContactElapsed = 0
    return true
  }

  private withProgress(from: NodeId, handle: (pr: Progress) => void): void {
    if (this.role !== 'leader') return
    const pr = this.progress.get(from)
    if (pr === undefined) return
    pr.recentActive = true
    handle(pr)
  }

  // ---------------------------------------------------------------------------------------------
  // Replication: follower side
  // ---------------------------------------------------------------------------------------------

  private handleAppend(msg: AppendRequest): void {
    if (!entriesFollow(msg)) return
    const committed = this.log.committed
    if (msg.prevLogIndex < committed) {
      // Everything up to our commit matches any leader's log; tell it where to continue.
      this.send({ type: 'appendResponse', to: msg.from, index: committed, reject: false, hintIndex: 0, hintTerm: 0 })
      return
    }
    if (this.log.matchTerm(msg.prevLogIndex, msg.prevLogTerm)) {
      const conflict = this.log.firstConflict(msg.entries)
      if (conflict !== null && conflict <= committed) return // only a faulty leader sends this
      if (conflict !== null) {
        const truncatesConfig = this.pendingConfIndex >= conflict
        this.log.mergeAfterMatch(msg.entries)
        if (truncatesConfig) this.replayConf()
        else this.applyConfEntriesFrom(conflict)
      }
      const lastNew = msg.prevLogIndex + msg.entries.length
      this.log.commitTo(Math.min(msg.commit, lastNew))
      this.send({ type: 'appendResponse', to: msg.from, index: lastNew, reject: false, hintIndex: 0, hintTerm: 0 })
      return
    }
    const hint = this.log.lastPositionAtOrBefore(Math.min(msg.prevLogIndex, this.log.lastIndex()), msg.prevLogTerm)
    this.send({ type: 'appendResponse', to: msg.from, index: msg.prevLogIndex, reject: true, hintIndex: hint.index, hintTerm: hint.term })
  }

  private handleHeartbeat(msg: HeartbeatRequest): void {
    this.log.commitTo(Math.min(msg.commit, this.log.lastIndex()))
    this.send({ type: 'heartbeatResponse', to: msg.from, readContext: msg.readContext })
  }

  private handleSnapshotChunk(msg: SnapshotChunkRequest): void {
    const answer = (nextOffset: number, reject: boolean, done: boolean): void =>
      this.send({ type: 'snapshotResponse', to: msg.from, snapshotIndex: msg.meta.index, nextOffset, reject, done })
    if (msg.meta.index <= this.log.committed) {
      this.snapshotReceiver.reset()
      answer(msg.offset + msg.chunk.byteLength, false, true)
      return
    }
    const outcome = this.snapshotReceiver.receive(msg)
    switch (outcome.kind) {
      case 'accepted':
      case 'duplicate':
        return answer(outcome.nextOffset, false, false)
      case 'outOfOrder':
        return answer(outcome.expectedOffset, true, false)
      case 'complete':
        this.installSnapshot(outcome.snapshot)
        return answer(outcome.snapshot.data.byteLength, false, true)
    }
  }

  private installSnapshot(snapshot: Snapshot): void {
    const { index, term } = snapshot.meta
    if (this.log.matchTerm(index, term)) {
      // Our log already holds the snapshot's last entry: keep the suffix after it (Raft §7) and
      // let the entries be applied as usual.
      this.log.commitTo(index)
      return
    }
    this.log.restore(snapshot)
    this.baseConf = snapshot.meta.conf
    this.replayConf()
  }

  // ---------------------------------------------------------------------------------------------
  // Replication: leader side
  // ---------------------------------------------------------------------------------------------

  private appendEntry(entry: Entry): void {
    this.log.append(entry)
    if (entry.kind === 'config') {
      this.conf = applyConfChange(this.conf, entry.change)
      this.pendingConfIndex = entry.index
      this.syncProgressWithConf()
    }
    this.broadcastDue = true
    this.maybeCommit()
    this.checkInvariants()
  }

  private broadcastAppend(): void {
    this.broadcastDue = false
    for (const to of this.progress.keys()) {
      this.sendAppend(to)
      while (this.sendAppend(to, false)) {
        // keep filling the pipeline
      }
    }
  }

  /** Sends the next append (or snapshot) to `to` if its flow control allows; true if sent. */
  private sendAppend(to: NodeId, sendIfEmpty = true): boolean {
    const pr = this.progress.get(to)
    if (pr === undefined || pr.isPaused()) return false
    const prevLogIndex = pr.next - 1
    const prevLogTerm = this.log.term(prevLogIndex)
    const entries = this.log.slice(pr.next, this.config.maxBytesPerMessage)
    if (prevLogTerm === undefined || entries === undefined) return this.startSnapshot(to, pr)
    if (entries.length === 0 && !sendIfEmpty) return false
    this.send({ type: 'append', to, prevLogIndex, prevLogTerm, entries, commit: this.log.committed })
    const last = entries[entries.length - 1]
    if (last !== undefined) pr.sentEntries(last.index)
    else if (pr.state === 'probe') pr.probeSent = true
    return true
  }

  private handleAppendResponse(msg: AppendResponse, pr: Progress): void {
    if (msg.index > this.log.lastIndex()) return
    if (msg.reject) {
      const probeAt = msg.hintTerm > 0 ? this.log.lastPositionAtOrBefore(msg.hintIndex, msg.hintTerm).index : msg.hintIndex
      if (pr.retreat(msg.index, probeAt + 1)) this.sendAppend(msg.from)
      return
    }
    const wasPaused = pr.isPaused()
    const advanced = pr.acknowledge(msg.index)
    // A probe answered at the known match point (e.g. right after a snapshot) also proves sync.
    if (!advanced && !(pr.state === 'probe' && pr.match === msg.index)) return
    if (pr.state === 'probe') pr.becomeReplicate()
    else if (pr.state === 'replicate') pr.inflights.freeUpTo(msg.index)
    else if (pr.snapshot !== null && pr.match >= pr.snapshot.index) pr.becomeProbe()
    if (this.maybeCommit()) this.broadcastDue = true
    else if (wasPaused) this.sendAppend(msg.from)
    while (this.sendAppend(msg.from, false)) {
      // keep filling the pipeline
    }
    if (msg.from === this.transferee && pr.match === this.log.lastIndex()) this.send({ type: 'timeoutNow', to: msg.from })
  }

  private handleHeartbeatResponse(msg: HeartbeatResponse, pr: Progress): void {
    pr.probeSent = false
    if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeOldest()
    if (pr.state === 'snapshot' && pr.snapshot !== null) {
      const transfer = pr.snapshot
      if (transfer.acked === transfer.ackedAtLastHeartbeat) {
        // No progress for a heartbeat interval: chunks or answers were lost, resend.
        transfer.sent = transfer.acked
        transfer.doneSent = false
        transfer.rewoundTo = null
        this.sendSnapshotChunks(msg.from, pr)
      }
      transfer.ackedAtLastHeartbeat = transfer.acked
    } else if (pr.match < this.log.lastIndex()) {
      this.sendAppend(msg.from)
    }
    if (msg.readContext !== null && this.readRounds !== null) {
      const confirmed = this.readRounds.acknowledge(msg.readContext, msg.from, (acks) => this.isVoterQuorum(acks))
      if (confirmed !== null) this.completeRounds(confirmed)
    }
  }

  private broadcastHeartbeat(): string {
    assert(this.readRounds !== null, 'heartbeat without read rounds')
    const round = this.readRounds.startRound(this.ticks, this.id, this.isPromotable())
    for (const [to, pr] of this.progress) {
      this.send({ type: 'heartbeat', to, commit: Math.min(pr.match, this.log.committed), readContext: round })
    }
    const confirmed = this.readRounds.confirmIfQuorum(round, (acks) => this.isVoterQuorum(acks))
    if (confirmed !== null) this.completeRounds(confirmed)
    return round
  }

  /** Advances commit by the quorum rule; true if it moved. */
  private maybeCommit(): boolean {
    assert(this.role === 'leader', 'only a leader counts replicas')
    const reached = quorumIndex(this.conf.voters, (id) => (id === this.id ? this.log.stableIndex() : (this.progress.get(id)?.match ?? 0)))
    if (reached <= this.log.committed || !this.isCommittableTerm(reached)) return false
    this.log.commitTo(reached)
    this.afterLeaderCommit()
    return true
  }

  private afterLeaderCommit(): void {
    if (this.committedInCurrentTerm() && this.readsAwaitingTermCommit.length > 0) {
      const waiting = this.readsAwaitingTermCommit
      this.readsAwaitingTermCommit = []
      for (const read of waiting) this.serveRead(read.context, read.requester)
    }
    if (!this.isPromotable() && this.pendingConfIndex <= this.log.committed) {
      // Our removal is committed: tell the others, then stop leading.
      this.broadcastAppend()
      this.becomeFollower(this.term, null)
    }
  }

  private committedInCurrentTerm(): boolean {
    return this.log.term(this.log.committed) === this.term
  }

  private refuseProposal(): Exclude<ProposeResult, { ok: true }> | null {
    if (this.role !== 'leader') return { ok: false, reason: 'notLeader', leader: this.leader }
    if (this.transferee !== null) return { ok: false, reason: 'transferring', leader: this.transferee }
    return null
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots: leader side
  // ---------------------------------------------------------------------------------------------

  private startSnapshot(to: NodeId, pr: Progress): boolean {
    const snapshot = this.log.latestSnapshot()
    assert(snapshot !== null, 'follower {0} needs compacted entries but there is no snapshot', to)
    pr.becomeSnapshot(snapshot)
    this.sendSnapshotChunks(to, pr)
    return true
  }

  /** Sends chunks from the transfer's position, keeping at most a window of bytes unconfirmed. */
  private sendSnapshotChunks(to: NodeId, pr: Progress): void {
    const transfer = pr.snapshot
    assert(transfer !== null, 'snapshot transfer without a snapshot')
    // A transfer keeps the snapshot it started with: restarting whenever the leader compacts
    // again could keep a slow follower from ever finishing under a steady write load.
    const snapshot = transfer.snapshot
    const chunkBytes = this.config.snapshotChunkBytes
    const window = chunkBytes * this.config.maxInflightMessages
    const data = snapshot.data
    while (!transfer.doneSent && transfer.sent - transfer.acked < window) {
      const chunk = data.subarray(transfer.sent, transfer.sent + chunkBytes)
      const done = transfer.sent + chunk.byteLength >= data.byteLength
      this.send({ type: 'snapshot', to, meta: snapshot.meta, offset: transfer.sent, chunk, done })
      transfer.sent += chunk.byteLength
      transfer.doneSent = done
    }
  }

  private handleSnapshotResponse(msg: SnapshotChunkResponse, pr: Progress): void {
    const transfer = pr.snapshot
    if (pr.state !== 'snapshot' || transfer === null || msg.snapshotIndex !== transfer.index) return
    if (msg.done && !msg.reject) {
      pr.acknowledge(Math.min(msg.snapshotIndex, this.log.lastIndex()))
      pr.becomeProbe()
      this.sendAppend(msg.from)
      return
    }
    if (msg.nextOffset > transfer.snapshot.data.byteLength) return
    if (msg.reject) {
      // Every chunk behind a gap is refused with the same offset: rewind once per gap, not per
      // refusal, or the resends would multiply. An offset below what was confirmed means the
      // receiver lost its partial copy (it restarted) and needs everything again.
      if (msg.nextOffset === transfer.rewoundTo && msg.nextOffset >= transfer.acked) return
      transfer.rewoundTo = msg.nextOffset
      transfer.acked = msg.nextOffset
      transfer.sent = msg.nextOffset
      transfer.doneSent = false
    } else {
      transfer.acked = Math.max(transfer.acked, msg.nextOffset)
    }
    this.sendSnapshotChunks(msg.from, pr)
  }

  // ---------------------------------------------------------------------------------------------
  // Reads
  // ---------------------------------------------------------------------------------------------

  private serveRead(context: string, requester: NodeId): void {
    if (!this.committedInCurrentTerm()) {
      // Our commit index may lag the previous leader's until an entry of this term commits.
      this.readsAwaitingTermCommit.push({ context, requester })
      return
    }
    const read: PendingRead = { context, requester, index: this.log.committed }
    if (this.leaseHolds() || this.isVoterQuorum(new Set([this.id]))) {
      this.deliverRead(read)
      return
    }
    assert(this.readRounds !== null, 'leader without read rounds')
    const round = this.readRounds.openRound() ?? this.broadcastHeartbeat()
    this.readRounds.addRead(round, read)
  }

  private leaseHolds(): boolean {
    const { leaseReads, checkQuorum, electionTicks, maxClockDriftTicks } = this.config
    if (!leaseReads || !checkQuorum || this.leaseRevoked || this.leaseStart === null) return false
    return this.ticks - this.leaseStart < electionTicks - maxClockDriftTicks
  }

  private completeRounds(confirmed: ConfirmedRounds): void {
    this.leaseStart = Math.max(this.leaseStart ?? confirmed.sentTick, confirmed.sentTick)
    for (const read of confirmed.reads) this.deliverRead(read)
  }

  private deliverRead(read: PendingRead): void {
    if (read.requester === this.id) this.readStates.push({ context: read.context, index: read.index })
    else this.send({ type: 'readIndexResponse', to: read.requester, context: read.context, index: read.index })
  }

  private failLeaderReads(): void {
    const pending = [...(this.readRounds?.drain() ?? []), ...this.readsAwaitingTermCommit]
    for (const read of pending) {
      if (read.requester === this.id) this.readFailures.push(read.context)
      else this.send({ type: 'readIndexResponse', to: read.requester, context: read.context, index: null })
    }
  }

  private handleReadIndexResponse(context: string, index: Index | null): void {
    const at = this.forwardedReads.findIndex((r) => r.context === context)
    if (at < 0) return
    this.forwardedReads.splice(at, 1)
    if (index === null) this.readFailures.push(context)
    else this.readStates.push({ context, index })
  }

  private failForwardedReads(): void {
    for (const read of this.forwardedReads) this.readFailures.push(read.context)
    this.forwardedReads = []
  }

  /** A forwarded read whose answer was lost must not hang its caller forever. */
  private expireForwardedReads(): void {
    const limit = 2 * this.config.electionTicks
    const expired = this.forwardedReads.filter((r) => this.ticks - r.sentTick >= limit)
    if (expired.length === 0) return
    this.forwardedReads = this.forwardedReads.filter((r) => this.ticks - r.sentTick < limit)
    for (const read of expired) this.readFailures.push(read.context)
  }

  private isVoterQuorum(acks: ReadonlySet<NodeId>): boolean {
    return hasQuorum(this.conf.voters, (id) => acks.has(id))
  }

  // ---------------------------------------------------------------------------------------------
  // Membership
  // ---------------------------------------------------------------------------------------------

  /** Recomputes membership from the snapshot boundary and every config entry in the log. */
  private replayConf(): void {
    this.conf = this.baseConf
    this.pendingConfIndex = 0
    this.applyConfEntriesFrom(this.log.firstIndex())
  }

  private applyConfEntriesFrom(from: Index): void {
    for (let i = from; i <= this.log.lastIndex(); i++) {
      const e = this.log.entry(i)
      if (e?.kind !== 'config') continue
      this.conf = applyConfChange(this.conf, e.change)
      this.pendingConfIndex = i
    }
    if (this.role === 'leader') this.syncProgressWithConf()
  }

  private confAt(index: Index): ConfState {
    let conf = this.baseConf
    for (let i = this.log.firstIndex(); i <= index; i++) {
      const e = this.log.entry(i)
      if (e?.kind === 'config') conf = applyConfChange(conf, e.change)
    }
    return conf
  }

  private syncProgressWithConf(): void {
    const all = members(this.conf).filter((id) => id !== this.id)
    for (const id of [...this.progress.keys()]) if (!all.includes(id)) this.progress.delete(id)
    for (const id of all) {
      if (!this.progress.has(id)) this.progress.set(id, new Progress(this.log.lastIndex() + 1, this.config.maxInflightMessages))
    }
    if (this.transferee !== null && !this.conf.voters.includes(this.transferee)) this.transferee = null
  }

  /** Internal consistency after every input; a failure is a bug in this module. */
  private checkInvariants(): void {
    this.log.checkInvariants()
    const last = this.log.lastIndex()
    assert(this.role !== 'leader' || this.leader === this.id, 'a leader must name itself as leader')
    assert(this.role !== 'candidate' || this.vote === this.id, 'a candidate votes for itself')
    assert(this.role !== 'leader' || this.log.lastTerm() === this.term, 'a leader log ends in its own term')
    assert(this.log.lastTerm() <= this.term, 'last log term {0} beyond current term {1}', this.log.lastTerm(), this.term)
    assert(this.pendingConfIndex <= last, 'config index {0} beyond last index {1}', this.pendingConfIndex, last)
    for (const pr of this.progress.values()) pr.checkInvariants(last)
  }

  // ---------------------------------------------------------------------------------------------
  // Plumbing
  // ---------------------------------------------------------------------------------------------

  private send(msg: Outgoing): void {
    this.sendAtTerm(this.term, msg)
  }

  private sendAtTerm(term: Term, msg: Outgoing): void {
    this.messages.push({ ...msg, from: this.id, term } as Message)
  }

  private softState(): SoftState {
    return { role: this.role, leader: this.leader, term: this.term }
  }

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed }
  }
}

/** An append's entries must be consecutive after prevLogIndex, in non-decreasing terms. */
function entriesFollow(msg: AppendRequest): boolean {
  let prevTerm = msg.prevLogTerm
  for (let i = 0; i < msg.entries.length; i++) {
    const e = msg.entries[i]
    if (e === undefined || e.index !== msg.prevLogIndex + 1 + i || e.term < prevTerm || e.term > msg.term) return false
    prevTerm = e.term
  }
  return true
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.role === b.role && a.leader === b.leader && a.term === b.term
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit
}
