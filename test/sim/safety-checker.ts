/**
 * The Raft safety properties, checked incrementally as the simulation runs (each check costs
 * only what changed in the step, so it can run after every delivery and tick):
 * - Election Safety: at most one leader per term.
 * - Log Matching: entries with the same index and term are identical and have identical
 *   prefixes, across every replica's persisted log. Recorded as (index, term) -> (content, term
 *   of the previous entry); by induction that pins the whole prefix.
 * - Leader Completeness: an entry committed in term U is in the log of every leader of a term
 *   above U.
 * - State Machine Safety: no two replicas apply different entries at one index.
 */
import type { Entry, Index, NodeId, Snapshot, Term } from '../../raft/types.js'
import { entryFingerprint, type RegisterMachine } from './register-machine.js'
import type { SimStorage } from './sim-storage.js'
import { SimulationViolation } from './violation.js'

interface CommitRecord {
  /** Lowest leader term seen committing this index. */
  commitTerm: Term
  /** Term of the committed entry, once some replica holding it is seen. */
  entryTerm: Term | undefined
}

interface LeaderView {
  readonly term: Term
  readonly storage: SimStorage
}

export class SafetyChecker {
  private readonly leaderOfTerm = new Map<Term, NodeId>()
  private readonly leaders = new Map<NodeId, LeaderView>()
  private readonly logRegistry = new Map<string, { fingerprint: string; prevTerm: Term }>()
  private readonly applied = new Map<Index, { fingerprint: string; term: Term; by: NodeId }>()
  private readonly commits = new Map<Index, CommitRecord>()
  private maxCommitted: Index = 0

  /** Called with every replica's role after each step it took part in. */
  observeRole(node: NodeId, role: string, term: Term, commit: Index, storage: SimStorage): void {
    if (role !== 'leader') {
      this.leaders.delete(node)
      return
    }
    const previous = this.leaderOfTerm.get(term)
    if (previous !== undefined && previous !== node) {
      throw new SimulationViolation('election safety', `${previous} and ${node} are both leader of term ${term}`)
    }
    const known = this.leaders.get(node)
    if (previous === undefined || known === undefined || known.term !== term) {
      this.leaderOfTerm.set(term, node)
      this.leaders.set(node, { term, storage })
      this.checkLeaderHoldsCommitted(node, term, storage, 1, this.maxCommitted)
    }
    this.recordCommit(term, commit, storage)
  }

  /** A replica stopped (crash or shutdown): it is no longer a leader we hold to account now. */
  forget(node: NodeId): void {
    this.leaders.delete(node)
  }

  /** Entries just persisted by `node`; `storage` already holds them. */
  observePersisted(node: NodeId, storage: SimStorage, written: readonly Entry[], snapshot: Snapshot | null): void {
    if (snapshot !== null) this.checkSnapshotAgainstHistory(node, snapshot)
    for (const entry of written) {
      const prevTerm = storage.termAt(entry.index - 1)
      if (prevTerm === undefined) {
        throw new SimulationViolation('log matching', `${node} persisted entry ${entry.index} with no entry before it`)
      }
      const key = `${entry.index}:${entry.term}`
      const fingerprint = entryFingerprint(entry)
      const seen = this.logRegistry.get(key)
      if (seen === undefined) {
        this.logRegistry.set(key, { fingerprint, prevTerm })
      } else if (seen.fingerprint !== fingerprint || seen.prevTerm !== prevTerm) {
        throw new SimulationViolation(
          'log matching',
          `${node} persisted index ${entry.index} term ${entry.term} as [${fingerprint}] after term ${prevTerm}; another replica has [${seen.fingerprint}] after term ${seen.prevTerm}`,
        )
      }
      const commit = this.commits.get(entry.index)
      if (commit !== undefined && commit.entryTerm === undefined) this.learnCommittedTerm(entry.index, entry.term)
    }
  }

  /** `node` applied `entry` to its state machine. */
  observeApplied(node: NodeId, entry: Entry): void {
    const fingerprint = entryFingerprint(entry)
    const seen = this.applied.get(entry.index)
    if (seen === undefined) {
      this.applied.set(entry.index, { fingerprint, term: entry.term, by: node })
      const commit = this.commits.get(entry.index)
      if (commit === undefined) {
        // Applied before any leader was seen committing it (the leader's status was not sampled
        // between the commit and the follower's apply): it is committed, by a term we cannot see.
        this.commits.set(entry.index, { commitTerm: Number.MAX_SAFE_INTEGER, entryTerm: entry.term })
      } else if (commit.entryTerm === undefined) {
        this.learnCommittedTerm(entry.index, entry.term)
      }
      this.checkCommittedTerm(node, entry.index, entry.term)
    } else if (seen.fingerprint !== fingerprint) {
      throw new SimulationViolation('state machine safety', `${node} applied [${fingerprint}] at index ${entry.index}; ${seen.by} applied [${seen.fingerprint}]`)
    }
  }

  /** `node` replaced its state machine with a snapshot's: its writes must match the history. */
  observeInstalled(node: NodeId, machine: RegisterMachine): void {
    for (const [index, writeId] of machine.appliedWrites()) {
      const seen = this.applied.get(index)
      if (seen !== undefined && !seen.fingerprint.endsWith(`/cmd:${writeId}`)) {
        throw new SimulationViolation('state machine safety', `${node} installed a snapshot with write ${writeId} at index ${index}; ${seen.by} applied [${seen.fingerprint}]`)
      }
    }
  }

  private checkSnapshotAgainstHistory(node: NodeId, snapshot: Snapshot): void {
    const seen = this.applied.get(snapshot.meta.index)
    if (seen !== undefined && seen.term !== snapshot.meta.term) {
      throw new SimulationViolation('state machine safety', `${node} persisted a snapshot at index ${snapshot.meta.index} term ${snapshot.meta.term}; ${seen.by} applied term ${seen.term} there`)
    }
  }

  private checkCommittedTerm(node: NodeId, index: Index, term: Term): void {
    const commit = this.commits.get(index)
    if (commit?.entryTerm !== undefined && commit.entryTerm !== term) {
      throw new SimulationViolation('state machine safety', `${node} applied term ${term} at index ${index}, but term ${commit.entryTerm} was committed there`)
    }
  }

  private recordCommit(term: Term, commit: Index, storage: SimStorage): void {
    for (let index = this.maxCommitted + 1; index <= commit; index++) {
      this.commits.set(index, { commitTerm: term, entryTerm: undefined })
      const entryTerm = storage.termAt(index) ?? this.applied.get(index)?.term
      if (entryTerm !== undefined) this.learnCommittedTerm(index, entryTerm)
    }
    if (commit > this.maxCommitted) this.maxCommitted = commit
  }

  private learnCommittedTerm(index: Index, entryTerm: Term): void {
    const commit = this.commits.get(index)
    if (commit === undefined) return
    commit.entryTerm = entryTerm
    for (const [node, view] of this.leaders) {
      if (view.term > commit.commitTerm) this.checkLeaderHoldsCommitted(node, view.term, view.storage, index, index)
    }
  }

  private checkLeaderHoldsCommitted(node: NodeId, term: Term, storage: SimStorage, from: Index, to: Index): void {
    const start = Math.max(from, storage.snapshotIndex() + 1)
    for (let index = start; index <= to; index++) {
      const commit = this.commits.get(index)
      if (commit === undefined || commit.entryTerm === undefined || commit.commitTerm >= term) continue
      const held = storage.termAt(index)
      if (held !== commit.entryTerm) {
        throw new SimulationViolation(
          'leader completeness',
          `${node} leads term ${term} but holds ${held === undefined ? 'nothing' : `term ${held}`} at index ${index}, where term ${commit.entryTerm} was committed in term ${commit.commitTerm}`,
        )
      }
    }
  }
}
