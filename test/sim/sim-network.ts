/**
 * The simulated network: decides, for each message sent, whether it is lost, how long it takes
 * and whether it is duplicated, and which links a partition cuts. It keeps no queue itself; the
 * simulation turns the returned delays into delivery events, and re-checks the partition when a
 * message arrives (a link cut while the message was in flight loses it).
 */
import type { NodeId } from '../../raft/types.js'
import type { Prng } from './prng.js'

export interface LinkConditions {
  /** Probability that a message is dropped. */
  readonly lossRate: number
  /** Probability that a message is delivered twice (each copy with its own delay). */
  readonly duplicateRate: number
  /** Delay range in simulated time units; distinct delays are what reorder messages. */
  readonly minDelay: number
  readonly maxDelay: number
  /** Probability of an extra-long delay (up to `longDelay`), which reorders across many messages. */
  readonly longDelayRate: number
  readonly longDelay: number
}

export const perfectLinks: LinkConditions = {
  lossRate: 0,
  duplicateRate: 0,
  minDelay: 1,
  maxDelay: 3,
  longDelayRate: 0,
  longDelay: 0,
}

export type Partition =
  | { readonly kind: 'none' }
  /** Two groups that cannot reach each other; nodes in neither group belong to the second. */
  | { readonly kind: 'halves'; readonly first: ReadonlySet<NodeId> }
  /** One node (typically the leader) cut off from everyone. */
  | { readonly kind: 'isolated'; readonly node: NodeId }
  /** Two groups that only the bridge node can talk to. */
  | { readonly kind: 'bridge'; readonly first: ReadonlySet<NodeId>; readonly bridge: NodeId }

export function describePartition(p: Partition): string {
  switch (p.kind) {
    case 'none':
      return 'healed'
    case 'halves':
      return `halves {${[...p.first].join(',')}} | rest`
    case 'isolated':
      return `isolated ${p.node}`
    case 'bridge':
      return `bridge ${p.bridge} between {${[...p.first].join(',')}} and rest`
  }
}

export class SimNetwork {
  private partition: Partition = { kind: 'none' }

  constructor(
    private readonly random: Prng,
    private conditions: LinkConditions,
  ) {}

  setConditions(conditions: LinkConditions): void {
    this.conditions = conditions
  }

  setPartition(partition: Partition): void {
    this.partition = partition
  }

  currentPartition(): Partition {
    return this.partition
  }

  connected(a: NodeId, b: NodeId): boolean {
    if (a === b) return true
    const p = this.partition
    switch (p.kind) {
      case 'none':
        return true
      case 'halves':
        return p.first.has(a) === p.first.has(b)
      case 'isolated':
        return a !== p.node && b !== p.node
      case 'bridge':
        return a === p.bridge || b === p.bridge || p.first.has(a) === p.first.has(b)
    }
  }

  /** Delays after which copies of a message from `from` to `to` arrive; empty when it is lost. */
  route(from: NodeId, to: NodeId): number[] {
    if (!this.connected(from, to)) return []
    const c = this.conditions
    if (this.random.chance(c.lossRate)) return []
    const copies = this.random.chance(c.duplicateRate) ? 2 : 1
    const delays: number[] = []
    for (let i = 0; i < copies; i++) {
      const long = c.longDelay > c.maxDelay && this.random.chance(c.longDelayRate)
      delays.push(long ? this.random.between(c.maxDelay, c.longDelay) : this.random.between(c.minDelay, c.maxDelay))
    }
    return delays
  }
}
