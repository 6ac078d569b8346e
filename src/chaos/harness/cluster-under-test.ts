/**
 * The cluster a chaos run attacks: real `dms node` processes (an EphemeralCluster) whose every
 * peer link goes through a fault proxy of a ProxyNetwork. Clients and status queries use the
 * replicas' real ports, so only replica-to-replica traffic sees the injected faults.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { ClusterClient } from '../../client/cluster-client.js'
import { EphemeralCluster, freeLoopbackPort, type EphemeralOffice } from '../../cluster/ephemeral-cluster.js'
import type { NodeLauncher, ReplicaProcess } from '../../cluster/replica-process.js'
import { findReplica, officeClientUrls } from '../../config/cluster-topology.js'
import type { OfficeMethods } from '../../office/office-api.js'
import { clientUrl } from '../../rpc/endpoint-urls.js'
import type { ChaosClock, ChaosEventLog } from '../chaos-event-log.js'
import { officeOf, type ChaosTopology } from '../chaos-topology.js'
import { JoinedMemberFront } from '../joined-member-front.js'
import { changeMembership } from '../../client/membership-refusals.js'
import { appendFileSync } from 'node:fs'
import { loopbackDialer } from '../loopback-socket-owner.js'
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
  /** Every line each replica logs is also appended to `<dir>/<replica id>.log` (diagnosis of a failed seed). */
  readonly replicaLogDir?: string
  readonly random: Random
  readonly clock: ChaosClock
  readonly log: ChaosEventLog
  /** A replica exiting without being told to: a crash the report must show. */
  readonly onUnexpectedExit: (nodeId: string, description: string) => void
}

/**
 * Placeholder for a peer port before the proxies exist (they need the replicas' real ports, which
 * the cluster picks): every config is written again, with the proxies' ports, before any replica starts.
 */
const UNROUTED_PORT = 1
/** Stderr lines kept per replica, to quote when one dies unexpectedly. */
const KEPT_LINES = 10
const MEMBERSHIP_CALL_TIMEOUT_MS = 30_000
/** How long a replacement replica may take to start and apply the entry that added it. */
const CATCH_UP_TIMEOUT_MS = 90_000
const CATCH_UP_POLL_MS = 250

export class ClusterUnderTest {
  /** The address each replica that joined during the run is recorded at in its office's membership. */
  private readonly fronts = new Map<string, JoinedMemberFront>()

  private constructor(
    readonly cluster: EphemeralCluster,
    readonly network: ProxyNetwork,
    private readonly recentLines: ReadonlyMap<string, readonly string[]>,
    private readonly log: ChaosEventLog,
  ) {}

  static async start(options: ClusterUnderTestOptions): Promise<ClusterUnderTest> {
    const recentLines = new Map<string, string[]>()
    let network: ProxyNetwork | null = null
    const cluster = await EphemeralCluster.create({
      launcher: options.launcher,
      offices: options.offices,
      // Every replica reaches every other one through the proxy of that directed link.
      peerPort: (from, to) => network?.addressFor(from, to).port ?? UNROUTED_PORT,
      onUnexpectedExit: options.onUnexpectedExit,
      // Replica logs are kept for diagnosis, not relayed: the harness owns stderr.
      onLine: (nodeId, line) => {
        if (options.replicaLogDir !== undefined) appendFileSync(join(options.replicaLogDir, `${nodeId}.log`), `${line}\n`)
        const lines = recentLines.get(nodeId) ?? []
        lines.push(line)
        if (lines.length > KEPT_LINES) lines.shift()
        recentLines.set(nodeId, lines)
      },
      ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
      ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }),
    })
    try {
      const peerPorts = Object.fromEntries(cluster.config.offices.flatMap((office) => office.replicas.map((replica) => [replica.id, replica.port])))
      network = await ProxyNetwork.start({ topology: topologyOf(cluster), peerPorts, protocol: 'websocket', handshakeMessages: PEER_HANDSHAKE_MESSAGES, random: options.random, clock: options.clock, log: options.log })
      if (options.latency !== undefined && options.latency.length > 0) network.setLatency(options.latency)
      await cluster.rewriteConfigs()
      cluster.startAll()
      return new ClusterUnderTest(cluster, network, recentLines, options.log)
    } catch (error) {
      await network?.close()
      await cluster.stop()
      throw error
    }
  }

  /** The offices and their current members (replicas that replaced wiped ones included). */
  get topology(): ChaosTopology {
    return topologyOf(this.cluster)
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

  /** The replica loses its disk: killed (SIGKILL), then its data directory deleted. It stays a member until replaced. */
  async wipe(nodeId: string): Promise<void> {
    await this.replica(nodeId).kill()
    await rm(join(this.cluster.dataDir, nodeId), { recursive: true, force: true })
  }

  /**
   * What an operator does for a replica whose data is gone (docs/OPERATIONS.md, replacing a
   * replica), through the same membership RPC `dms office remove-replica|add-replica` uses: remove
   * it from its office, start a new replica (fresh id, port and data directory, `--join`), add it
   * as a learner at its front's address, wait until it has applied the entry that added it (it
   * rebuilds from the leader's log or snapshot), promote it to voter. Returns the new id. A change
   * the client retried after it committed unanswered is refused as in place: that counts as done.
   */
  async replace(nodeId: string): Promise<string> {
    const office = officeOf(this.topology, nodeId)
    const client = new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(this.cluster.config, office), callTimeoutMs: MEMBERSHIP_CALL_TIMEOUT_MS })
    try {
      await changeMembership(client, 'removeNode', nodeId)
      await this.cluster.removeReplica(nodeId)
      await this.network.removeNode(nodeId)
      const id = this.cluster.nextReplicaId(office)
      const port = await freeLoopbackPort()
      await this.network.addNode(id, office, port)
      const front = await this.startFront(id, port)
      const replica = await this.cluster.addReplica(office, ['--join'], port)
      replica.start()
      // A retried addition's index is unknown: the office's last index when asked stands in (at worst the learner is promoted before it caught up, which Raft allows).
      const added = (await changeMembership(client, 'addLearner', id, { host: '127.0.0.1', port: front.port })).index
      await this.waitUntilApplied(id, added)
      await changeMembership(client, 'promoteLearner', id)
      return id
    } finally {
      client.close()
    }
  }

  /** Stops every replica and proxy; safe to call more than once. */
  async stop(): Promise<void> {
    await Promise.allSettled([this.cluster.stop(), this.network.close(), ...[...this.fronts.values()].map((front) => front.close())])
  }

  /** Routes each replica's connections to the joined member through its own link's proxy; anyone else's straight to it. */
  private async startFront(nodeId: string, realPort: number): Promise<JoinedMemberFront> {
    const front = await JoinedMemberFront.start({
      name: `front>${nodeId}`,
      log: this.log,
      routeFor: async (connection) => {
        const others = [...this.cluster.replicas.values()].filter((replica) => replica.nodeId !== nodeId && replica.pid !== null)
        const pid = await loopbackDialer(connection, others.map((replica) => replica.pid as number))
        const dialer = others.find((replica) => pid !== null && replica.pid === pid)
        return dialer === undefined ? realPort : this.network.addressFor(dialer.nodeId, nodeId).port
      },
    })
    this.fronts.set(nodeId, front)
    return front
  }

  private async waitUntilApplied(nodeId: string, index: number): Promise<void> {
    const replica = findReplica(this.cluster.config, nodeId).replica
    const status = new ClusterClient<OfficeMethods>({ endpoints: [clientUrl(replica)], callTimeoutMs: CATCH_UP_POLL_MS * 4 })
    const deadline = Date.now() + CATCH_UP_TIMEOUT_MS
    try {
      for (;;) {
        const applied = (await status.call('replica.status', {}).catch(() => null))?.appliedIndex ?? -1
        if (applied >= index) return
        if (Date.now() > deadline) throw new Error(`${nodeId} has not applied index ${index} (the entry that added it) within ${CATCH_UP_TIMEOUT_MS / 1000}s; it stays a learner`)
        await new Promise((resolve) => setTimeout(resolve, CATCH_UP_POLL_MS))
      }
    } finally {
      status.close()
    }
  }
}

function topologyOf(cluster: EphemeralCluster): ChaosTopology {
  return { offices: cluster.config.offices.map((office) => ({ id: office.id, members: office.replicas.map((replica) => replica.id) })) }
}
