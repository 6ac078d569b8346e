/**
 * The cluster a chaos run attacks: real `dms node` processes (an EphemeralCluster) whose every
 * peer link goes through a fault proxy of a ProxyNetwork. Clients and status queries use the
 * replicas' real ports, so only replica-to-replica traffic sees the injected faults.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { EphemeralCluster, type EphemeralOffice } from '../../cluster/ephemeral-cluster.js'
import type { NodeLauncher, ReplicaProcess } from '../../cluster/replica-process.js'
import type { ChaosClock, ChaosEventLog } from '../chaos-event-log.js'
import type { ChaosTopology } from '../chaos-topology.js'
import { ProxyNetwork, type OfficeLatency } from '../proxy-network.js'
import { PEER_HANDSHAKE_MESSAGES } from '../../rpc/peer-handshake.js'
import type { Random } from '../seeded-random.js'

export interface ClusterUnderTestOptions {
  readonly launcher: NodeLauncher
  readonly offices: readonly EphemeralOffice[]
  readonly tickMs?: number
  readonly latency?: readonly OfficeLatency[]
  /** Extra `dms node` arguments for every replica (e.g. a short hold lease). */
  readonly nodeArgs?: readonly string[]
  readonly random: Random
  readonly clock: ChaosClock
  readonly log: ChaosEventLog
  /** A replica exiting without being told to: a crash the report must show. */
  readonly onUnexpectedExit: (nodeId: string, description: string) => void
}

interface NodeConfigView {
  offices: Array<{ replicas: Array<{ id: string; port: number }> }>
}

/**
 * Placeholder written into the per-replica configs at creation, when the proxies cannot exist yet
 * (they need the replicas' real ports, which the cluster picks); replaced before any replica starts.
 */
const UNROUTED_PORT = 1
/** Stderr lines kept per replica, to quote when one dies unexpectedly. */
const KEPT_LINES = 10

export class ClusterUnderTest {
  private constructor(
    readonly cluster: EphemeralCluster,
    readonly network: ProxyNetwork,
    readonly topology: ChaosTopology,
    private readonly recentLines: ReadonlyMap<string, readonly string[]>,
  ) {}

  static async start(options: ClusterUnderTestOptions): Promise<ClusterUnderTest> {
    const recentLines = new Map<string, string[]>()
    const cluster = await EphemeralCluster.create({
      launcher: options.launcher,
      offices: options.offices,
      peerPort: () => UNROUTED_PORT,
      onUnexpectedExit: options.onUnexpectedExit,
      // Replica logs are kept for diagnosis, not relayed: the harness owns stderr.
      onLine: (nodeId, line) => {
        const lines = recentLines.get(nodeId) ?? []
        lines.push(line)
        if (lines.length > KEPT_LINES) lines.shift()
        recentLines.set(nodeId, lines)
      },
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }),
    })
    let network: ProxyNetwork | null = null
    try {
      const topology: ChaosTopology = {
        offices: cluster.config.offices.map((office) => ({ id: office.id, members: office.replicas.map((replica) => replica.id) })),
      }
      const peerPorts = Object.fromEntries(cluster.config.offices.flatMap((office) => office.replicas.map((replica) => [replica.id, replica.port])))
      network = await ProxyNetwork.start({ topology, peerPorts, protocol: 'websocket', handshakeMessages: PEER_HANDSHAKE_MESSAGES, random: options.random, clock: options.clock, log: options.log })
      if (options.latency !== undefined && options.latency.length > 0) network.setLatency(options.latency)
      await routePeersThroughProxies(cluster, network, topology)
      cluster.startAll()
      return new ClusterUnderTest(cluster, network, topology, recentLines)
    } catch (error) {
      await network?.close()
      await cluster.stop()
      throw error
    }
  }

  replica(nodeId: string): ReplicaProcess {
    const replica = this.cluster.replicas.get(nodeId)
    if (replica === undefined) throw new RangeError(`no replica "${nodeId}" in the cluster under test`)
    return replica
  }

  /** The replica's last few stderr lines (of all its incarnations). */
  lastLines(nodeId: string): readonly string[] {
    return this.recentLines.get(nodeId) ?? []
  }

  /** Stops every replica and proxy; safe to call more than once. */
  async stop(): Promise<void> {
    await Promise.allSettled([this.cluster.stop(), this.network.close()])
  }
}

/** Rewrites each replica's own config view so that every other replica's port is its proxy's. */
async function routePeersThroughProxies(cluster: EphemeralCluster, network: ProxyNetwork, topology: ChaosTopology): Promise<void> {
  for (const office of topology.offices) {
    for (const self of office.members) {
      const path = join(cluster.directory, `cluster.${self}.json`)
      const view = JSON.parse(await readFile(path, 'utf8')) as NodeConfigView
      const proxied = network.peerAddressesOf(self)
      for (const replica of view.offices.flatMap((o) => o.replicas)) {
        if (replica.id === self) continue
        if (replica.port !== UNROUTED_PORT) throw new Error(`${path}: peer ${replica.id} is not at the placeholder port; cannot route it through a proxy`)
        const address = proxied[replica.id]
        if (address === undefined) throw new Error(`no proxy from ${self} to ${replica.id}`)
        replica.port = address.port
      }
      await writeFile(path, JSON.stringify(view, null, 2))
    }
  }
}
