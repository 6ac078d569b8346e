import {
  allDirectedLinks,
  linksInScope,
  membersOf,
  officeOf,
  validateTopology,
  type ChaosTopology,
  type DirectedLink,
  type LinkScope,
} from './chaos-topology.js'
import type { ChaosClock, ChaosEventLog } from './chaos-event-log.js'
import { FaultProxy } from './fault-proxy.js'
import { CLEAR_LINK, type LinkShape } from './link-shape.js'
import { blockedLinks, type PartitionPlan } from './partition-patterns.js'
import type { Random } from './seeded-random.js'
import type { HandshakeMessages } from './websocket-frame-splitter.js'

/**
 * One fault proxy per directed pair of replicas: replica A reaches replica B only by dialing the
 * proxy of link A>B, which forwards to B's real peer port. The network composes, per link, the
 * baseline inter-office latency, the current partition and the current link faults into the
 * link's shape, and logs every action.
 *
 * A connection dialed by A to B crosses link A>B in both directions, so a one-way delay on a link
 * applies to both directions of its connections (a round trip costs twice the delay), and a
 * partition (symmetric) blackholes both A>B and B>A.
 */
export interface ProxyNetworkOptions {
  readonly topology: ChaosTopology
  /** Each replica's real peer port. */
  readonly peerPorts: Readonly<Record<string, number>>
  readonly protocol: 'websocket' | 'raw'
  /** Leading messages of each connection never duplicated (see WebSocketFrameSplitter). */
  readonly handshakeMessages?: HandshakeMessages
  readonly random: Random
  readonly clock: ChaosClock
  readonly log: ChaosEventLog
}

/** One-way delay between every replica of one office and every replica of the other. */
export interface OfficeLatency {
  readonly offices: readonly [string, string]
  readonly delayMs: number
  readonly jitterMs?: number
}

export type LinkFault =
  | { readonly kind: 'delay'; readonly delayMs: number; readonly jitterMs: number }
  | { readonly kind: 'duplicate'; readonly probability: number }
  | { readonly kind: 'bandwidth'; readonly bytesPerSecond: number }

type ActiveFault = { readonly fault: LinkFault; readonly links: ReadonlySet<string> }

const SOURCE = 'network'

export class ProxyNetwork {
  private baseline = new Map<string, { delayMs: number; jitterMs: number }>()
  /** The matrix the baseline came from, to extend it to replicas that join later. */
  private latency: readonly OfficeLatency[] = []
  private partitioned = new Set<string>()
  private readonly faults = new Map<LinkFault['kind'], ActiveFault>()

  private constructor(
    private topology: ChaosTopology,
    private readonly proxies: Map<string, FaultProxy>,
    private readonly peerPorts: Map<string, number>,
    private readonly options: ProxyNetworkOptions,
  ) {}

  private get log(): ChaosEventLog {
    return this.options.log
  }

  static async start(options: ProxyNetworkOptions): Promise<ProxyNetwork> {
    const network = new ProxyNetwork(validateTopology(options.topology), new Map(), new Map(Object.entries(options.peerPorts)), options)
    try {
      await network.startProxies(allDirectedLinks(network.topology))
    } catch (error) {
      await network.close()
      throw error
    }
    return network
  }

  /**
   * Puts a replica that joins `office` on the network: a proxy on each link between it and every
   * other replica, under the baseline latency; a partition or link fault
   * already active does not extend to it.
   */
  async addNode(node: string, office: string, peerPort: number): Promise<void> {
    membersOf(this.topology, office)
    const topology = validateTopology({
      offices: this.topology.offices.map((o) => (o.id === office ? { id: o.id, members: [...o.members, node] } : o)),
    })
    this.peerPorts.set(node, peerPort)
    const links = allDirectedLinks(topology).filter((link) => link.from === node || link.to === node)
    try {
      await this.startProxies(links)
    } catch (error) {
      await Promise.all(links.map((link) => this.proxies.get(linkKey(link))?.close()))
      for (const link of links) this.proxies.delete(linkKey(link))
      this.peerPorts.delete(node)
      throw error
    }
    this.topology = topology
    this.baseline = this.baselineOf(this.latency)
    this.log.record(SOURCE, 'node-added', { node, office })
    this.applyShapes()
  }

  /** Takes a replica that left its office off the network, closing every proxy of its links. */
  async removeNode(node: string): Promise<void> {
    const office = officeOf(this.topology, node)
    const links = allDirectedLinks(this.topology).filter((link) => link.from === node || link.to === node)
    this.topology = validateTopology({
      offices: this.topology.offices.map((o) => (o.id === office ? { id: o.id, members: o.members.filter((member) => member !== node) } : o)),
    })
    this.peerPorts.delete(node)
    await Promise.all(links.map((link) => this.proxies.get(linkKey(link))?.close()))
    for (const link of links) this.proxies.delete(linkKey(link))
    this.log.record(SOURCE, 'node-removed', { node, office })
  }

  private async startProxies(links: readonly DirectedLink[]): Promise<void> {
    for (const link of links) {
      const targetPort = this.peerPorts.get(link.to)
      if (targetPort === undefined) throw new RangeError(`no peer port given for node "${link.to}"`)
      const proxy = await FaultProxy.start({
        name: linkKey(link),
        targetPort,
        protocol: this.options.protocol,
        ...(this.options.handshakeMessages === undefined ? {} : { handshakeMessages: this.options.handshakeMessages }),
        random: this.options.random,
        clock: this.options.clock,
        log: this.options.log,
      })
      this.proxies.set(linkKey(link), proxy)
    }
  }

  /** Where `from` must dial to reach `to`. */
  addressFor(from: string, to: string): { readonly host: string; readonly port: number } {
    return { host: '127.0.0.1', port: this.proxy({ from, to }).port }
  }

  /** Every peer of `from` and the proxy address `from` reaches it at: what goes in `from`'s config. */
  peerAddressesOf(from: string): Record<string, { readonly host: string; readonly port: number }> {
    officeOf(this.topology, from)
    const addresses: Record<string, { host: string; port: number }> = {}
    for (const link of allDirectedLinks(this.topology)) {
      if (link.from === from) addresses[link.to] = this.addressFor(from, link.to)
    }
    return addresses
  }

  /** Replaces the baseline inter-office latencies (pairs not listed get none). */
  setLatency(matrix: readonly OfficeLatency[]): void {
    const previous = { baseline: this.baseline, latency: this.latency }
    this.latency = matrix
    this.baseline = this.baselineOf(matrix)
    this.applyShapesOrRestore(() => ({ baseline: this.baseline, latency: this.latency } = previous))
    this.log.record(SOURCE, 'latency', { matrix: matrix.map((entry) => ({ ...entry })) })
  }

  private baselineOf(matrix: readonly OfficeLatency[]): Map<string, { delayMs: number; jitterMs: number }> {
    const baseline = new Map<string, { delayMs: number; jitterMs: number }>()
    for (const entry of matrix) {
      for (const link of linksInScope({ kind: 'between-offices', offices: entry.offices }, this.topology)) {
        baseline.set(linkKey(link), { delayMs: entry.delayMs, jitterMs: entry.jitterMs ?? 0 })
      }
    }
    return baseline
  }

  /** Replaces any current partition with this one. */
  partition(plan: PartitionPlan): DirectedLink[] {
    const blocked = blockedLinks(plan, this.topology)
    this.partitioned = new Set(blocked.map(linkKey))
    this.log.record(SOURCE, 'partition', { plan, blockedLinks: blocked.length })
    this.applyShapes()
    return blocked
  }

  heal(): void {
    this.partitioned = new Set()
    this.log.record(SOURCE, 'heal')
    this.applyShapes()
  }

  /** Starts a link fault on the links in scope, replacing any fault of the same kind. */
  applyLinkFault(scope: LinkScope, fault: LinkFault): void {
    const links = new Set(linksInScope(scope, this.topology).map(linkKey))
    const previous = this.faults.get(fault.kind)
    this.faults.set(fault.kind, { fault, links })
    this.applyShapesOrRestore(() => {
      if (previous === undefined) this.faults.delete(fault.kind)
      else this.faults.set(fault.kind, previous)
    })
    this.log.record(SOURCE, 'link-fault', { scope, fault, links: links.size })
  }

  clearLinkFault(kind: LinkFault['kind']): void {
    if (!this.faults.delete(kind)) return
    this.log.record(SOURCE, 'link-fault-cleared', { kind })
    this.applyShapes()
  }

  /** Resets every connection to or from `node` (all connections when omitted). */
  resetConnections(node?: string): void {
    if (node !== undefined) officeOf(this.topology, node)
    this.log.record(SOURCE, 'reset', node === undefined ? {} : { node })
    for (const link of allDirectedLinks(this.topology)) {
      if (node === undefined || link.from === node || link.to === node) this.proxy(link).resetConnections()
    }
  }

  /** The shape each link has now, for reports and tests. */
  shapeOf(from: string, to: string): LinkShape {
    return this.proxy({ from, to }).shape
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((proxy) => proxy.close()))
  }

  private applyShapes(): void {
    for (const link of allDirectedLinks(this.topology)) this.proxy(link).setShape(this.composeShape(linkKey(link)))
  }

  /** Checks every link's new shape before touching any proxy; on a bad one, `restore` undoes the change. */
  private applyShapesOrRestore(restore: () => void): void {
    try {
      for (const link of allDirectedLinks(this.topology)) this.proxy(link).checkShape(this.composeShape(linkKey(link)))
    } catch (error) {
      restore()
      throw error
    }
    this.applyShapes()
  }

  private composeShape(key: string): LinkShape {
    const base = this.baseline.get(key)
    let shape: LinkShape = {
      ...CLEAR_LINK,
      blackhole: this.partitioned.has(key),
      delayMs: base?.delayMs ?? 0,
      jitterMs: base?.jitterMs ?? 0,
    }
    for (const { fault, links } of this.faults.values()) {
      if (!links.has(key)) continue
      switch (fault.kind) {
        case 'delay':
          shape = { ...shape, delayMs: shape.delayMs + fault.delayMs, jitterMs: shape.jitterMs + fault.jitterMs }
          break
        case 'duplicate':
          shape = { ...shape, duplicateProbability: fault.probability }
          break
        case 'bandwidth':
          shape = { ...shape, bytesPerSecond: fault.bytesPerSecond }
          break
      }
    }
    return shape
  }

  private proxy(link: DirectedLink): FaultProxy {
    const proxy = this.proxies.get(linkKey(link))
    if (proxy === undefined) throw new RangeError(`no proxied link from "${link.from}" to "${link.to}"`)
    return proxy
  }
}

function linkKey(link: DirectedLink): string {
  return `${link.from}>${link.to}`
}
