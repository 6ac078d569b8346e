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
  private constructor(
    private readonly config: ClusterConfig,
    private readonly links: readonly Link[],
  ) {}

  /** Starts the proxies when the config enables delays; null when it does not. */
  static async start(config: ClusterConfig): Promise<InterOfficeLinks | null> {
    if (!config.interOfficeDelays.enabled) return null
    const clock = { now: () => performance.now() }
    const log = new ChaosEventLog(clock)
    const links: Link[] = []
    try {
      for (const from of config.offices) {
        for (const to of config.offices) {
          if (to.id === from.id) continue
          const delayMs = oneWayDelayMs(config, from.id, to.id)
          for (const replica of to.replicas) {
            // No jitter and no duplication: the seed never matters, it only satisfies the proxy's interface.
            const proxy = await FaultProxy.start({ name: `${from.id}>${replica.id}`, targetPort: replica.port, protocol: 'raw', random: new SeededRandom(0), clock, log })
            proxy.setShape({ ...CLEAR_LINK, delayMs })
            links.push({ from: from.id, toReplica: replica.id, delayMs, proxy })
          }
        }
      }
    } catch (error) {
      await Promise.all(links.map((l) => l.proxy.close()))
      throw error
    }
    return new InterOfficeLinks(config, links)
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

  private link(from: string, toReplica: string): Link {
    const link = this.links.find((l) => l.from === from && l.toReplica === toReplica)
    if (link === undefined) throw new RangeError(`no link from office ${from} to replica ${toReplica}`)
    return link
  }
}
