/**
 * A throwaway cluster of real `dms node` processes on free loopback ports, with its config and data
 * in a temporary directory: what integration tests, benchmarks and the chaos harness run against.
 *
 * Every replica can get its own config file in which the OTHER replicas' ports are replaced by
 * ports the caller chooses (`peerPort`): that is how the chaos harness puts a fault-injecting proxy
 * on every directed peer link without the nodes knowing. Clients use the real ports.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterClient } from '../client/cluster-client.js'
import type { ClusterConfig } from '../config/cluster-config-schema.js'
import { officeClientUrls } from '../config/cluster-topology.js'
import { parseClusterConfig } from '../config/load-cluster-config.js'
import type { OfficeMethods } from '../office/office-api.js'
import { queryClusterStatus, type OfficeStatus } from './cluster-status.js'
import { InterOfficeLinks, type InterOfficeLinkStats } from './inter-office-links.js'
import { ReplicaProcess, type NodeLauncher } from './replica-process.js'

export interface EphemeralOffice {
  readonly id: string
  readonly timeZone: string
  readonly replicas: number
}

export interface EphemeralClusterOptions {
  readonly launcher: NodeLauncher
  readonly offices: readonly EphemeralOffice[]
  /** Extra `dms node` arguments for every replica (e.g. --snapshot-every). */
  readonly nodeArgs?: readonly string[]
  /** Port replica `from` must use to reach replica `to`; default: `to`'s real port. */
  readonly peerPort?: (from: string, to: string, realPort: number) => number
  readonly onLine?: (nodeId: string, line: string) => void
  readonly onUnexpectedExit?: (nodeId: string, description: string) => void
  readonly tickMs?: number
  /**
   * One-way delays between offices ("nyc-lon": 35): replicas reach other offices through delaying
   * proxies (InterOfficeLinks), and `configFrom(office)` places a client in an office.
   */
  readonly interOfficeDelays?: Readonly<Record<string, number>>
}

interface RawReplica {
  id: string
  host: string
  port: number
}

interface RawOffice {
  id: string
  name: string
  timeZone: string
  workHours: { start: string; end: string }
  workDays: string[]
  lunch: { start: string; end: string }
  replicas: RawReplica[]
}

interface RawConfig {
  clusterId: string
  timing: { tickMs: number; electionTicks: number; heartbeatTicks: number }
  interOfficeDelays?: { enabled: boolean; oneWayMs: Record<string, number> }
  offices: RawOffice[]
}

/**
 * Replica ports are drawn at random below the usual ephemeral ranges (Linux 32768-60999, BSD and
 * Windows 49152-65535). An ephemeral port (what listen(0) returns) can be taken, while its replica
 * is down or still starting, as the local port of any outgoing connection or by another process's
 * listen(0), which hands out nearby ports in sequence: a chaos run once saw a restarted replica
 * fail with EADDRINUSE and another cluster's replica answer status on its port.
 */
const REPLICA_PORTS = { first: 20_000, last: 32_767 }
const PORT_ATTEMPTS = 100
/**
 * Ports this process has handed out. A port is only free until its replica binds it, which may be
 * much later: nine draws for one cluster met the same port about once in 350 clusters (a CI run
 * saw "duplicate address" from the config check).
 */
const handedOut = new Set<number>()

export async function freeLoopbackPort(random: () => number = Math.random): Promise<number> {
  for (let attempt = 0; attempt < PORT_ATTEMPTS; attempt++) {
    const port = REPLICA_PORTS.first + Math.floor(random() * (REPLICA_PORTS.last - REPLICA_PORTS.first + 1))
    if (handedOut.has(port) || !(await canListen(port))) continue
    handedOut.add(port)
    return port
  }
  throw new Error(`no free loopback port in ${REPLICA_PORTS.first}-${REPLICA_PORTS.last} after ${PORT_ATTEMPTS} tries`)
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** An office of `replicas` replicas on free loopback ports, with a plain 09:00-17:00 schedule. */
async function rawOffice(office: EphemeralOffice): Promise<RawOffice> {
  const replicas: RawReplica[] = []
  for (let i = 1; i <= office.replicas; i++) replicas.push({ id: `${office.id}-${i}`, host: '127.0.0.1', port: await freeLoopbackPort() })
  return {
    id: office.id,
    name: office.id.toUpperCase(),
    timeZone: office.timeZone,
    workHours: { start: '09:00', end: '17:00' },
    workDays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
    lunch: { start: '12:00', end: '13:00' },
    replicas,
  }
}

export class EphemeralCluster {
  readonly replicas = new Map<string, ReplicaProcess>()
  /** Stderr lines of every replica, for diagnosing a failure. */
  readonly logs: string[] = []
  private readonly clients: Array<ClusterClient<OfficeMethods>> = []
  private stopped = false
  private links: InterOfficeLinks | null = null
  /** Every replica id any config file listed, so a removed replica's id is never handed out again. */
  private readonly everListed = new Set<string>()

  private constructor(
    private readonly options: EphemeralClusterOptions,
    readonly directory: string,
    private raw: RawConfig,
    private parsed: ClusterConfig,
  ) {}

  static async create(options: EphemeralClusterOptions): Promise<EphemeralCluster> {
    const directory = await mkdtemp(join(tmpdir(), 'dms-cluster-'))
    const offices: RawOffice[] = []
    for (const office of options.offices) offices.push(await rawOffice(office))
    const raw: RawConfig = { clusterId: 'dms-ephemeral', timing: { tickMs: options.tickMs ?? 50, electionTicks: 10, heartbeatTicks: 2 }, offices }
    if (options.interOfficeDelays !== undefined) {
      if (options.peerPort !== undefined) throw new Error('interOfficeDelays and peerPort cannot be combined: the chaos proxies set their own inter-office latency')
      raw.interOfficeDelays = { enabled: true, oneWayMs: { ...options.interOfficeDelays } }
    }
    const cluster = new EphemeralCluster(options, directory, raw, parseClusterConfig(raw, 'ephemeral cluster').config)
    for (const office of raw.offices) for (const replica of office.replicas) cluster.everListed.add(replica.id)
    cluster.links = await InterOfficeLinks.start(cluster.parsed)
    await cluster.writeConfigs()
    for (const office of raw.offices) for (const replica of office.replicas) cluster.replicas.set(replica.id, cluster.processFor(replica.id, []))
    return cluster
  }

  /** The config with every replica at its real address: what clients use. */
  get config(): ClusterConfig {
    return this.parsed
  }

  /** The config as a client placed in `officeId` sees it: other offices behind their delays (same as `config` without delays). */
  configFrom(officeId: string): ClusterConfig {
    return this.links?.viewFrom(officeId) ?? this.parsed
  }

  /** Per inter-office proxy, its delay and the connections it carried (empty without delays). */
  interOfficeLinkStats(): InterOfficeLinkStats[] {
    return this.links?.stats() ?? []
  }

  get configPath(): string {
    return join(this.directory, 'cluster.json')
  }

  get dataDir(): string {
    return join(this.directory, 'data')
  }

  startAll(): void {
    for (const replica of this.replicas.values()) if (!replica.running) replica.start()
  }

  client(officeId: string, callTimeoutMs = 15_000): ClusterClient<OfficeMethods> {
    const client = new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(this.parsed, officeId), callTimeoutMs })
    this.clients.push(client)
    return client
  }

  /** Default wait: processes starting through tsx on a loaded 2-core machine may take tens of seconds to answer. */
  async waitForLeader(officeId: string, options: { exclude?: string; timeoutMs?: number } = {}): Promise<OfficeStatus> {
    const timeoutMs = options.timeoutMs ?? 60_000
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const status = await queryClusterStatus(this.parsed, 500)
      const office = status.offices.find((o) => o.id === officeId)
      if (office?.leader != null && office.leader !== options.exclude) return office
      if (Date.now() > deadline) {
        throw new Error(`no leader in ${officeId} within ${timeoutMs} ms; last replica logs:\n${this.logs.slice(-20).join('\n')}`)
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** The id `addReplica` gives the office's next replica: `<office>-<n>`, never one listed before (removed ones included). */
  nextReplicaId(officeId: string): string {
    this.rawOffice(officeId)
    for (let n = 1; ; n++) {
      const id = `${officeId}-${n}`
      if (!this.everListed.has(id)) return id
    }
  }

  /**
   * Lists a new replica of the office (id from `nextReplicaId`, at `port` or a free one) in every
   * config file and returns its (not started) process.
   */
  async addReplica(officeId: string, extraArgs: readonly string[] = [], port?: number): Promise<ReplicaProcess> {
    const office = this.rawOffice(officeId)
    const id = this.nextReplicaId(officeId)
    office.replicas.push({ id, host: '127.0.0.1', port: port ?? (await freeLoopbackPort()) })
    this.everListed.add(id)
    await this.configChanged()
    const process = this.processFor(id, extraArgs)
    this.replicas.set(id, process)
    return process
  }

  /**
   * Stops a replica (if running) and takes it out of every config file, as an operator does after
   * removing it from its office's membership. Its data directory stays; its id is never reused.
   */
  async removeReplica(nodeId: string): Promise<void> {
    const office = this.raw.offices.find((o) => o.replicas.some((r) => r.id === nodeId))
    const process = this.replicas.get(nodeId)
    if (office === undefined || process === undefined) throw new Error(`no replica ${nodeId} in this cluster`)
    if (office.replicas.length === 1) throw new Error(`${nodeId} is the last replica of ${office.id}; an office cannot be empty`)
    await process.stop()
    office.replicas = office.replicas.filter((r) => r.id !== nodeId)
    this.replicas.delete(nodeId)
    await this.configChanged()
    if (this.nodeConfigPath(nodeId) !== this.configPath) await rm(this.nodeConfigPath(nodeId), { force: true })
  }

  /** Writes every replica's config file again: after `peerPort` started answering differently (e.g. proxies came up). */
  async rewriteConfigs(): Promise<void> {
    await this.writeConfigs()
  }

  /**
   * Lists a new office in every config file (running replicas keep the config they started with)
   * and returns its replicas' processes, not started: what `dms office add` then announces.
   */
  async addOffice(office: EphemeralOffice): Promise<ReplicaProcess[]> {
    if (this.raw.offices.some((o) => o.id === office.id)) throw new Error(`office ${office.id} is already in this cluster`)
    this.raw.offices.push(await rawOffice(office))
    for (const replica of this.raw.offices.at(-1)?.replicas ?? []) this.everListed.add(replica.id)
    await this.configChanged()
    const added = (this.raw.offices.at(-1)?.replicas ?? []).map((replica) => this.processFor(replica.id, []))
    for (const process of added) this.replicas.set(process.nodeId, process)
    return added
  }

  /** Stops every replica (SIGTERM, then SIGKILL) and deletes the directory. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    for (const client of this.clients) client.close()
    await Promise.all([...this.replicas.values()].map((r) => r.stop(3000)))
    await this.links?.close()
    await rm(this.directory, { recursive: true, force: true })
  }

  private rawOffice(officeId: string): RawOffice {
    const office = this.raw.offices.find((o) => o.id === officeId)
    if (office === undefined) throw new Error(`no office ${officeId} in this cluster`)
    return office
  }

  private nodeConfigPath(nodeId: string): string {
    return this.options.peerPort === undefined && this.links === null ? this.configPath : join(this.directory, `cluster.${nodeId}.json`)
  }

  /** After `raw` changed: parse it, give the inter-office proxies (if any) the new replicas, write every config file. */
  private async configChanged(): Promise<void> {
    this.parsed = parseClusterConfig(this.raw, 'ephemeral cluster').config
    await this.links?.follow(this.parsed)
    await this.writeConfigs()
  }

  private async writeConfigs(): Promise<void> {
    await writeFile(this.configPath, JSON.stringify(this.raw, null, 2))
    const links = this.links
    if (links !== null) {
      for (const office of this.raw.offices) {
        const view = JSON.stringify(links.viewFrom(office.id), null, 2)
        for (const self of office.replicas) await writeFile(this.nodeConfigPath(self.id), view)
      }
      return
    }
    const peerPort = this.options.peerPort
    if (peerPort === undefined) return
    for (const office of this.raw.offices) {
      for (const self of office.replicas) {
        const view: RawConfig = {
          ...this.raw,
          offices: this.raw.offices.map((o) => ({
            ...o,
            replicas: o.replicas.map((r) => (r.id === self.id ? r : { ...r, port: peerPort(self.id, r.id, r.port) })),
          })),
        }
        await writeFile(this.nodeConfigPath(self.id), JSON.stringify(view, null, 2))
      }
    }
  }

  private processFor(nodeId: string, extraArgs: readonly string[]): ReplicaProcess {
    return new ReplicaProcess({
      nodeId,
      launcher: this.options.launcher,
      configPath: this.nodeConfigPath(nodeId),
      dataDir: this.dataDir,
      onLine: (id, line) => {
        this.logs.push(`[${id}] ${line}`)
        if (this.logs.length > 5000) this.logs.splice(0, 1000)
        this.options.onLine?.(id, line)
      },
      ...(this.options.onUnexpectedExit === undefined ? {} : { onUnexpectedExit: this.options.onUnexpectedExit }),
      extraArgs: [...(this.options.nodeArgs ?? []), ...extraArgs],
    })
  }
}
