/**
 * Deliberately broken replicas, test-only, to prove the simulator catches real safety bugs.
 * Each is a subclass of the real core (or the real core under a broken driver); production code
 * has no switches for any of this.
 */
import { RaftNode } from '../../raft/index.js'
import type { Index, NodeId, VoteRequest } from '../../raft/types.js'
import type { CoreFactory, DriverMode } from './replica.js'

/** Commits entries of earlier terms by counting replicas: the Figure 8 bug of the Raft paper. */
class CommitsEarlierTermsByCounting extends RaftNode {
  protected override isCommittableTerm(_index: Index): boolean {
    return true
  }
}

/**
 * A follower that forgets whom it voted for when asked again in the same term, so it can grant
 * two votes in one term (the log up-to-date check still applies; candidates keep their own vote).
 * RaftNode keeps the vote in a private field with no protected accessor, so the variant blanks it
 * at run time around the real decision.
 */
class GrantsTwoVotesPerTerm extends RaftNode {
  protected override canGrantVote(msg: VoteRequest): boolean {
    if (this.status().role !== 'follower') return super.canGrantVote(msg)
    const self = this as unknown as { vote: NodeId | null }
    if (!('vote' in self)) throw new Error('GrantsTwoVotesPerTerm: RaftNode no longer has a `vote` field; update this variant')
    const recorded = self.vote
    self.vote = null
    try {
      return super.canGrantVote(msg)
    } finally {
      self.vote = recorded
    }
  }
}

export interface BrokenVariant {
  readonly description: string
  readonly createCore: CoreFactory
  readonly driver: DriverMode
}

export const brokenVariants = {
  commitsEarlierTerms: {
    description: 'commits entries of an earlier term by counting replicas (Raft Figure 8)',
    createCore: (config, restored) => new CommitsEarlierTermsByCounting(config, restored),
    driver: 'persistBeforeSend',
  },
  grantsTwoVotes: {
    description: 'grants a second vote in a term it already voted in',
    createCore: (config, restored) => new GrantsTwoVotesPerTerm(config, restored),
    driver: 'persistBeforeSend',
  },
  sendsBeforePersisting: {
    description: 'the real core under a driver that sends messages before their state is durable',
    createCore: (config, restored) => new RaftNode(config, restored),
    driver: 'sendBeforePersist',
  },
} satisfies Record<string, BrokenVariant>

export type BrokenVariantName = keyof typeof brokenVariants
