/**
 * Realistic distance between offices on one machine: when the config's `interOfficeDelays` is
 * enabled, every office reaches every other office's replicas through delaying TCP proxies (one
 * per source office and remote replica, each adding the pair's one-way delay to the bytes of both
 * directions), so a round trip between two offices costs twice the configured delay. Each office
 * then gets its own view of the config, in which the other offices' replicas are at their proxies;
 * its replicas run with that view, and a client placed in that office uses it too. Traffic inside
 * an office (Raft, and clients of their own office) stays direct.
 *
 * The proxies are the chaos harness's fault proxies with a fixed shape: that proxy is a generic
 * delaying TCP relay, so both use one delay layer.
 */
import { ChaosEventLog } from '../chaos/chaos-event-log.js'
import { FaultProxy } from '../chaos/fault-proxy.js'
import { CLEAR_LINK } from '../chaos/link-shape.js'
import { SeededRandom } from '../chaos/seeded-random.js'
import type { ClusterConfig } from '../config/cluster-config-schema.js'
import { oneWayDelayMs } from '../config/cluster-topology.js'

export interface InterOfficeLinkStats {
  readonly from: string
  readonly to: string
  readonly delayMs: number
  readonly connectionsAccepted: number
}

interface Link {
  readonly from: string
  readonly toReplica: string
  readonly delayMs: number
  readonly proxy: FaultProxy
}

export class InterOfficeLinks {
  private links: readonly Link[] = []
  private readonly clock = { now: () => performance.now() }
  private readonly log = new ChaosEventLog(this.clock)

  private constructor(private config: ClusterConfig) {}

  /** Starts the proxies when the config enables delays; null when it does not. */
  static async start(config: ClusterConfig): Promise<InterOfficeLinks | null> {
    if (!config.interOfficeDelays.enabled) return null
    const links = new InterOfficeLinks(config)
    await links.follow(config)
    return links
  }

  /**
   * Follows a change of the cluster's offices or replicas (same delays): a proxy for each new pair
   * of source office and remote replica, none any more for replicas that are gone.
   */
  async follow(config: ClusterConfig): Promise<void> {
    const kept: Link[] = []
    const added: Link[] = []
    try {
      for (const from of config.offices) {
        for (const to of config.offices) {
          if (to.id === from.id) continue
          for (const replica of to.replicas) {
            const existing = this.links.find((l) => l.from === from.id && l.toReplica === replica.id)
            if (existing !== undefined) kept.push(existing)
            else added.push(await this.startLink(from.id, replica.id, replica.port, oneWayDelayMs(config, from.id, to.id)))
          }
        }
      }
    } catch (error) {
      await Promise.all(added.map((l) => l.proxy.close()))
      throw error
    }
    const dropped = this.links.filter((l) => !kept.includes(l))
    this.links = [...kept, ...added]
    this.config = config
    await Promise.all(dropped.map((l) => l.proxy.close()))
  }

  /** The config as seen from `officeId`: other offices' replicas at their proxies (delays marked off, so nothing proxies them twice). */
  viewFrom(officeId: string): ClusterConfig {
    if (!this.config.offices.some((o) => o.id === officeId)) throw new RangeError(`no office "${officeId}" in this cluster`)
    return {
      ...this.config,
      interOfficeDelays: { ...this.config.interOfficeDelays, enabled: false },
      offices: this.config.offices.map((office) =>
        office.id === officeId
          ? office
          : { ...office, replicas: office.replicas.map((r) => ({ ...r, host: '127.0.0.1', port: this.link(officeId, r.id).proxy.port })) },
      ),
    }
  }

  stats(): InterOfficeLinkStats[] {
    return this.links.map((l) => ({ from: l.from, to: l.toReplica, delayMs: l.delayMs, connectionsAccepted: l.proxy.stats.connectionsAccepted }))
  }

  async close(): Promise<void> {
    await Promise.all(this.links.map((l) => l.proxy.close()))
  }

  private async startLink(from: string, toReplica: string, targetPort: number, delayMs: number): Promise<Link> {
    // No jitter and no duplication: the seed never matters, it only satisfies the proxy's interface.
    const proxy = await FaultProxy.start({ name: `${from}>${toReplica}`, targetPort, protocol: 'raw', random: new SeededRandom(0), clock: this.clock, log: this.log })
    proxy.setShape({ ...CLEAR_LINK, delayMs })
    return { from, toReplica, delayMs, proxy }
  }

  private link(from: string, toReplica: string): Link {
    const link = this.links.find((l) => l.from === from && l.toReplica === toReplica)
    if (link === undefined) throw new RangeError(`no link from office ${from} to replica ${toReplica}`)
    return link
  }
}
