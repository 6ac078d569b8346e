import { allDirectedLinks, membersOf, officeOf, type ChaosTopology, type DirectedLink } from './chaos-topology.js'
import type { Random } from './seeded-random.js'

/**
 * Network partitions as concrete plans (who is on which side), drawn from a seeded random
 * source, and the exact set of directed links each plan blocks. Partitions are symmetric:
 * a blocked pair is blocked both ways.
 */
export type PartitionPlan =
  /** Two halves that cannot reach each other (sizes differ by at most one). */
  | { readonly pattern: 'random-halves'; readonly sides: readonly [readonly string[], readonly string[]] }
  /** One node cut off from everyone. */
  | { readonly pattern: 'isolate'; readonly node: string }
  /**
   * Nodes on a ring, each reaching only its nearest neighbours: every node still sees a majority
   * of all nodes, but no two adjacent nodes see the same majority.
   */
  | { readonly pattern: 'majorities-ring'; readonly ring: readonly string[] }
  /** Two sides that cannot reach each other, and one node that reaches both. */
  | {
      readonly pattern: 'bridge'
      readonly sides: readonly [readonly string[], readonly string[]]
      readonly bridge: string
    }
  /** Whole offices on two sides: the between-office partition that cuts 2PC traffic. */
  | { readonly pattern: 'split-offices'; readonly sides: readonly [readonly string[], readonly string[]] }

export type PlanOf<Pattern extends PartitionPlan['pattern']> = Extract<PartitionPlan, { readonly pattern: Pattern }>

export function planRandomHalves(nodes: readonly string[], random: Random): PlanOf<'random-halves'> {
  const shuffled = random.shuffle(nodes)
  const cut = Math.floor(shuffled.length / 2)
  return { pattern: 'random-halves', sides: [shuffled.slice(0, cut).sort(), shuffled.slice(cut).sort()] }
}

export function planMajoritiesRing(nodes: readonly string[], random: Random): PlanOf<'majorities-ring'> {
  return { pattern: 'majorities-ring', ring: random.shuffle(nodes) }
}

export function planBridge(nodes: readonly string[], random: Random): PlanOf<'bridge'> {
  const [bridge, ...rest] = random.shuffle(nodes)
  if (bridge === undefined) throw new RangeError('a bridge partition needs at least one node')
  const cut = Math.floor(rest.length / 2)
  return { pattern: 'bridge', bridge, sides: [rest.slice(0, cut).sort(), rest.slice(cut).sort()] }
}

export function planSplitOffices(topology: ChaosTopology, random: Random): PlanOf<'split-offices'> {
  const offices = random.shuffle(topology.offices.map((office) => office.id))
  if (offices.length < 2) throw new RangeError('splitting offices needs at least two offices')
  const cut = random.int(1, offices.length - 1)
  return { pattern: 'split-offices', sides: [offices.slice(0, cut).sort(), offices.slice(cut).sort()] }
}

/** The directed links a plan blocks, in topology order. Names unknown to the topology are an error. */
export function blockedLinks(plan: PartitionPlan, topology: ChaosTopology): DirectedLink[] {
  const blocked = blockedPairTest(plan, topology)
  return allDirectedLinks(topology).filter((link) => blocked(link.from, link.to))
}

function blockedPairTest(plan: PartitionPlan, topology: ChaosTopology): (a: string, b: string) => boolean {
  const known = (nodes: readonly string[]) => {
    for (const node of nodes) officeOf(topology, node)
    return new Set(nodes)
  }
  switch (plan.pattern) {
    case 'random-halves': {
      const [left, right] = plan.sides.map(known) as [Set<string>, Set<string>]
      return (a, b) => (left.has(a) && right.has(b)) || (right.has(a) && left.has(b))
    }
    case 'isolate':
      known([plan.node])
      return (a, b) => a === plan.node || b === plan.node
    case 'majorities-ring': {
      known(plan.ring)
      // Each node sees itself and `reach` neighbours on each side: at least a majority of the ring.
      const reach = Math.ceil(Math.floor(plan.ring.length / 2) / 2)
      const position = new Map(plan.ring.map((node, index) => [node, index]))
      return (a, b) => {
        const pa = position.get(a)
        const pb = position.get(b)
        if (pa === undefined || pb === undefined) return false
        const apart = Math.abs(pa - pb)
        return Math.min(apart, plan.ring.length - apart) > reach
      }
    }
    case 'bridge': {
      known([plan.bridge])
      const [left, right] = plan.sides.map(known) as [Set<string>, Set<string>]
      return (a, b) => (left.has(a) && right.has(b)) || (right.has(a) && left.has(b))
    }
    case 'split-offices': {
      const [left, right] = plan.sides.map((side) => new Set(side.flatMap((office) => membersOf(topology, office)))) as [
        Set<string>,
        Set<string>,
      ]
      return (a, b) => (left.has(a) && right.has(b)) || (right.has(a) && left.has(b))
    }
  }
}

/** The same plan with every replica named anew (a replica replaced after losing its data); office ids stay. */
export function renamePlanNodes(plan: PartitionPlan, rename: (node: string) => string): PartitionPlan {
  const side = (nodes: readonly string[]) => nodes.map(rename)
  switch (plan.pattern) {
    case 'random-halves':
      return { pattern: plan.pattern, sides: [side(plan.sides[0]), side(plan.sides[1])] }
    case 'isolate':
      return { pattern: plan.pattern, node: rename(plan.node) }
    case 'majorities-ring':
      return { pattern: plan.pattern, ring: side(plan.ring) }
    case 'bridge':
      return { pattern: plan.pattern, bridge: rename(plan.bridge), sides: [side(plan.sides[0]), side(plan.sides[1])] }
    case 'split-offices':
      return plan
  }
}
