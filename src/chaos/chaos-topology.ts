/**
 * The cluster under test as the chaos harness sees it: offices (Raft groups) and their replicas,
 * and the directed peer links between replicas that the fault proxies sit on.
 */
export interface ChaosTopology {
  readonly offices: ReadonlyArray<{ readonly id: string; readonly members: readonly string[] }>
}

/** Bytes travelling from `from` to `to`. */
export interface DirectedLink {
  readonly from: string
  readonly to: string
}

/** Which links a link fault (delay, duplicate) applies to. */
export type LinkScope =
  | { readonly kind: 'all-links' }
  | { readonly kind: 'links-of'; readonly node: string }
  | { readonly kind: 'between-offices'; readonly offices: readonly [string, string] }

export class TopologyError extends Error {
  override readonly name = 'TopologyError'
}

/** Checks what the rest of the harness relies on: unique ids, no empty office. */
export function validateTopology(topology: ChaosTopology): ChaosTopology {
  if (topology.offices.length === 0) throw new TopologyError('a chaos topology needs at least one office')
  const seen = new Set<string>()
  for (const office of topology.offices) {
    if (office.members.length === 0) throw new TopologyError(`office "${office.id}" has no members`)
    if (seen.has(`office:${office.id}`)) throw new TopologyError(`office "${office.id}" is listed twice`)
    seen.add(`office:${office.id}`)
    for (const member of office.members) {
      if (seen.has(`node:${member}`)) throw new TopologyError(`node "${member}" is listed twice`)
      seen.add(`node:${member}`)
    }
  }
  return topology
}

export function allNodes(topology: ChaosTopology): string[] {
  return topology.offices.flatMap((office) => office.members)
}

export function officeOf(topology: ChaosTopology, node: string): string {
  const office = topology.offices.find((candidate) => candidate.members.includes(node))
  if (office === undefined) throw new TopologyError(`node "${node}" is in no office of the topology`)
  return office.id
}

export function membersOf(topology: ChaosTopology, officeId: string): readonly string[] {
  const office = topology.offices.find((candidate) => candidate.id === officeId)
  if (office === undefined) throw new TopologyError(`office "${officeId}" is not in the topology`)
  return office.members
}

/** Every ordered pair of distinct nodes, in topology order. */
export function allDirectedLinks(topology: ChaosTopology): DirectedLink[] {
  const nodes = allNodes(topology)
  return nodes.flatMap((from) => nodes.filter((to) => to !== from).map((to) => ({ from, to })))
}

export function linksInScope(scope: LinkScope, topology: ChaosTopology): DirectedLink[] {
  const links = allDirectedLinks(topology)
  switch (scope.kind) {
    case 'all-links':
      return links
    case 'links-of':
      officeOf(topology, scope.node)
      return links.filter((link) => link.from === scope.node || link.to === scope.node)
    case 'between-offices': {
      const [a, b] = scope.offices.map((office) => new Set(membersOf(topology, office))) as [Set<string>, Set<string>]
      return links.filter((link) => (a.has(link.from) && b.has(link.to)) || (b.has(link.from) && a.has(link.to)))
    }
  }
}
