/**
 * Decides, once per simulated tick while faults are on, what goes wrong and what the operator
 * and clients do: crashes, partitions (random halves, an isolated leader, a bridge), membership
 * changes, leadership transfers. It only chooses; the simulation carries the actions out.
 */
import type { ConfChange, ConfState, NodeId } from '../../raft/types.js'
import type { Prng } from './prng.js'
import type { Partition } from './sim-network.js'
import type { SimProfile } from './sim-profile.js'

export type FaultAction =
  | { readonly kind: 'crash'; readonly node: NodeId; readonly downTicks: number }
  | { readonly kind: 'partition'; readonly partition: Partition; readonly healTicks: number }
  | { readonly kind: 'membership'; readonly change: ConfChange }
  | { readonly kind: 'transfer'; readonly to: NodeId }

/** What the scheduler may look at. */
export interface ClusterView {
  readonly up: readonly NodeId[]
  readonly down: readonly NodeId[]
  readonly leader: { readonly id: NodeId; readonly conf: ConfState } | null
  readonly partitioned: boolean
  readonly replicasCreated: number
  nextReplicaId(): NodeId
}

export class FaultScheduler {
  constructor(
    private readonly random: Prng,
    private readonly profile: SimProfile,
  ) {}

  actionsForTick(view: ClusterView): FaultAction[] {
    const actions: FaultAction[] = []
    const p = this.profile
    // Keep at least one replica running so the run keeps doing something between restarts.
    if (view.up.length > 1 && this.random.chance(p.crashRate)) {
      actions.push({ kind: 'crash', node: this.random.pick(view.up), downTicks: this.random.between(3, 60) })
    }
    if (!view.partitioned && this.random.chance(p.partitionRate)) {
      const partition = this.partition(view)
      if (partition !== null) actions.push({ kind: 'partition', partition, healTicks: this.random.between(...p.partitionTicks) })
    }
    if (view.leader !== null && this.random.chance(p.membershipRate)) {
      const change = this.membershipChange(view, view.leader.conf)
      if (change !== null) actions.push({ kind: 'membership', change })
    }
    if (view.leader !== null && this.random.chance(p.transferRate)) {
      const others = view.leader.conf.voters.filter((n) => n !== view.leader?.id)
      if (others.length > 0) actions.push({ kind: 'transfer', to: this.random.pick(others) })
    }
    return actions
  }

  private partition(view: ClusterView): Partition | null {
    const nodes = [...view.up, ...view.down]
    if (nodes.length < 2) return null
    const shape = this.random.int(3)
    if (shape === 0 && view.leader !== null) return { kind: 'isolated', node: view.leader.id }
    const shuffled = this.random.shuffle(nodes)
    if (shape === 1 && nodes.length >= 3) {
      const bridge = shuffled[0] as NodeId
      const rest = shuffled.slice(1)
      const cut = this.random.between(1, rest.length - 1)
      return { kind: 'bridge', bridge, first: new Set(rest.slice(0, cut)) }
    }
    const cut = this.random.between(1, nodes.length - 1)
    return { kind: 'halves', first: new Set(shuffled.slice(0, cut)) }
  }

  private membershipChange(view: ClusterView, conf: ConfState): ConfChange | null {
    const canGrow = view.replicasCreated < this.profile.maxReplicas && conf.voters.length < 5
    const options: Array<() => ConfChange | null> = []
    if (canGrow) {
      options.push(() => ({ type: 'addLearner', node: view.nextReplicaId() }))
      options.push(() => ({ type: 'addVoter', node: view.nextReplicaId() }))
    }
    if (conf.learners.length > 0) {
      options.push(() => ({ type: 'promoteLearner', node: this.random.pick(conf.learners) }))
      options.push(() => ({ type: 'removeNode', node: this.random.pick(conf.learners) }))
    }
    // Removing voters down to three keeps a crash-tolerant quorum for the liveness phase.
    if (conf.voters.length > 3) options.push(() => ({ type: 'removeNode', node: this.random.pick(conf.voters) }))
    if (options.length === 0) return null
    return this.random.pick(options)()
  }
}
