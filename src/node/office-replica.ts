/**
 * One replica of an office's Raft group, as a running server: its LevelDB stores, the Raft driver,
 * the peer transport and the client RPC methods, all on one WebSocket port. `dms node` runs one of
 * these per process; tests run several in one process.
 */
import { join } from 'node:path'
import { RaftDriver, RaftRequestError, intervalTicker, type Ticker } from '../../raft/driver.js'
import type { ConfState, Entry, Message, RaftConfig, RestoredState } from '../../raft/types.js'
import { directoryKeys } from '../directory/directory-keyspace.js'
import { RaftLogStore } from '../../storage/raft-log-store.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { tzdbVersion } from '../calendar/time/time-zone.js'
import type { ClusterConfig, OfficeConfig, ReplicaConfig } from '../config/cluster-config-schema.js'
import { findReplica, peerUrlsOf } from '../config/cluster-topology.js'
import { readKvKey, readKvPrefix } from '../kv/kv-read.js'
import { OFFICE_PARAM_SCHEMAS, type OfficeMethods, type ReplicaStatus } from '../office/office-api.js'
import { encodeProposal, type OfficeCommand, type OfficeOutcome, type OfficeResult } from '../office/office-command.js'
import { encodeMemberAddress, isMemberAddressKey, readMemberAddresses, readRemovedMembers } from '../office/office-members.js'
import { OfficeStateMachine } from '../office/office-state-machine.js'
import { officeCalendarSettings } from '../calendar-service/office-calendar-settings.js'
import { registerCalendarMethods } from './calendar-methods.js'
import { ClusterClient, type ClusterClientOptions, type MethodMap } from '../client/cluster-client.js'
import { DEFAULT_CROSS_OFFICE_TIMING, type CrossOfficeTiming } from '../cross-office/cross-office-deps.js'
import { CrossOfficeService } from '../cross-office/cross-office-service.js'
import type { CrossOfficeMethods } from '../cross-office/xoffice-api.js'
import type { DirectoryMethods } from '../directory/directory-api.js'
import { DirectoryService } from '../directory/directory-service.js'
import { OfficeTopology } from '../directory/office-topology.js'
import { NotificationWaiters } from './notification-waiters.js'
import { FreeBusyService } from './free-busy-methods.js'
import { ChangeJournal } from '../free-busy/change-journal.js'
import { clientUrl, peerUrl } from '../rpc/endpoint-urls.js'
import { OfficeRoutes, ROUTE_REFRESH_MS } from './office-routes.js'
import { PeerTransport } from '../rpc/peer-transport.js'
import { ReplicaListener } from '../rpc/replica-listener.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { RpcLogger } from '../rpc/rpc-logger.js'
import type { EventLogger } from '../logging/event-logger.js'
import { METRICS_CONTENT_TYPE, NodeMetrics } from '../metrics/node-metrics.js'
import { timeSyncedWrites } from '../metrics/timed-raft-storage.js'
import { fencingCounters } from '../cross-office/xoffice-store.js'
import { RpcServer, type RequestContext } from '../rpc/rpc-server.js'
import { toRpcError } from './raft-request-errors.js'
import { ReadFreshness } from './read-freshness.js'
import { loadReplicaSecurity } from '../security/replica-security.js'
import { checkStoredMembership } from '../security/stored-membership-check.js'
import { MAX_TOKENS, registerTokenMethods } from '../security/token-methods.js'
import { TOKEN_KEY_PREFIX } from '../security/token-records.js'
import { TokenSync, type TokenSyncMethods } from '../security/token-sync.js'
import type { AuthorizationSource } from '../client/client-authorization.js'

export interface OfficeReplicaOptions {
  readonly config: ClusterConfig
  readonly nodeId: string
  /** Parent directory; the replica keeps its LevelDB in `<dataDir>/<nodeId>`. */
  readonly dataDir: string
  /** The replica binds its node and office ids to every line it logs through this. */
  readonly logger: EventLogger
  /** Also export Node.js process metrics (CPU, memory, event loop) on /metrics; one replica per process only. */
  readonly processMetrics?: boolean
  /** Uniform in [0, 1): election timeouts and backoff jitter. */
  readonly random?: () => number
  readonly ticker?: Ticker
  /** Take a state-machine snapshot and compact the log every this many applied entries. */
  readonly snapshotEvery?: number
  readonly now?: () => number
  /**
   * Start as a new member of a running office: with no bootstrap membership, the replica waits for
   * the leader (which added it with `dms office add-replica`) to send it the log or a snapshot.
   */
  readonly join?: boolean
  /** Cross-office (2PC) timeouts and lease; tests shorten them. */
  readonly crossOffice?: Partial<CrossOfficeTiming>
  /** TEST-ONLY: the chaos harness's hook between a durable decision and its delivery (src/node/chaos-test-hooks.ts). */
  readonly afterDecision?: (txId: string) => void
}

/**
 * Applied entries between snapshots (and log compactions): etcd's default snapshot count. A
 * snapshot serializes the whole keyspace, the applied-request table included (two keys per
 * request over the retention window), so its cost grows with the state, not with the entries
 * since the last one. At 150,000 keys one snapshot and its compaction cost 0.6 s of CPU on each
 * replica and held up the apply loop for 1.7-2.8 s on a loaded machine: every 10,000 entries that
 * was about 190 µs of server CPU per put, more than half of the rest (docs/BENCHMARKS.md).
 */
export const DEFAULT_SNAPSHOT_EVERY = 100_000
const MAX_PEER_FRAME_BYTES = 16 * 1024 * 1024
const MAX_CLIENT_FRAME_BYTES = 1024 * 1024
/** How often a replica checks whether membership changed and its peer links must follow. */
const PEER_REFRESH_MS = 250
/** How long one merged token entry may take to commit before the sync pass gives up (the next pass retries). */
const TOKEN_SYNC_PROPOSAL_MS = 5000

/** What a proposal of each kind is answered with. */
type ResultOfKind = { [R in OfficeResult as R['kind']]: R['result'] }

/** Set when a committed batch or an installed snapshot may have changed member addresses or added offices. */
interface StoredTopologyChanges {
  changed: boolean
}

function isTopologyKey(key: string): boolean {
  return isMemberAddressKey(key) || key.startsWith(directoryKeys.offices())
}

function membershipSignature(conf: ConfState): string {
  return `${conf.voters.join(',')}|${conf.learners.join(',')}`
}

export class OfficeReplica {
  private peerRefresh: NodeJS.Timeout | null = null
  /** The refresh under way, if any: stop() waits for it, as it reads the store. */
  private refreshing: Promise<void> | null = null
  private peerSignature = ''
  /** The membership the peer links were last computed for. */
  private confSignature = ''
  /** The members of that membership. */
  private confMembers: readonly string[] = []
  /**
   * Nodes this replica saw leave the office (ids are never reused), refused as peers: removals seen
   * while running, plus those in the log it restarted with (removals older than its snapshot are not known).
   */
  private removedMembers = new Set<string>()
  /** Where each current member listens, as of the last membership refresh. */
  private memberAddresses = new Map<string, { readonly host: string; readonly port: number }>()
  private freeBusy: FreeBusyService | null = null
  private crossOffice: { readonly service: CrossOfficeService; readonly clients: Map<string, ClusterClient<CrossOfficeMethods>> } | null = null
  private directory: { readonly service: DirectoryService; readonly clients: Map<string, ClusterClient<DirectoryMethods>> } | null = null
  private tokenSync: { readonly service: TokenSync; readonly clients: Map<string, ClusterClient<TokenSyncMethods>> } | null = null
  private routes: { readonly service: OfficeRoutes; readonly clients: Map<string, ClusterClient<Pick<OfficeMethods, 'replica.status'>>> } | null = null
  /** How this replica calls other offices: its credential and the CA it trusts (set once at start, from the security config). */
  /** How this replica dials an office: its credential names the office called, so it is good there only. */
  private outgoing: (officeId: string) => { readonly authorization: AuthorizationSource; readonly ca: Buffer | null } = () => ({ authorization: () => null, ca: null })
  /** How stale this replica's applied state may be, for reads with a staleness bound (set once at start). */
  private freshness: ReadFreshness | null = null

  private constructor(
    readonly office: OfficeConfig,
    readonly replica: ReplicaConfig,
    private readonly config: ClusterConfig,
    private readonly db: ReplicaDb,
    private readonly machine: OfficeStateMachine,
    private readonly driver: RaftDriver<OfficeOutcome | null>,
    private readonly transport: PeerTransport,
    private readonly rpc: RpcServer,
    private readonly listener: ReplicaListener,
    private readonly startedAt: number,
    private readonly now: () => number,
    /** The offices this node knows: its config file's and those added while it runs. */
    private readonly topology: OfficeTopology,
    private readonly metrics: NodeMetrics,
    private readonly storedTopology: StoredTopologyChanges,
  ) {}

  static async start(options: OfficeReplicaOptions): Promise<OfficeReplica> {
    const { config, nodeId } = options
    const { office, replica } = findReplica(config, nodeId)
    const logger = options.logger.child({ node: nodeId, office: office.id })
    const random = options.random ?? Math.random
    const now = options.now ?? Date.now
    const db = await ReplicaDb.open(join(options.dataDir, nodeId), { clusterId: config.clusterId, replicaId: nodeId })
    try {
      const logStore = await RaftLogStore.open(db)
      const waiters = new NotificationWaiters()
      const calendarSettings = officeCalendarSettings(office)
      const stateStore = await StateMachineStore.open(db)
      const journal = new ChangeJournal(stateStore.appliedIndex())
      const storedTopology: StoredTopologyChanges = { changed: true }
      const machine = new OfficeStateMachine(stateStore, {
        office: calendarSettings,
        onNotified: (users) => waiters.wake(users),
        onCommitted: (keys, index) => {
          journal.recordBatch(keys, index)
          if (keys.some(isTopologyKey)) storedTopology.changed = true
        },
        onRestored: (index) => {
          journal.reset(index)
          storedTopology.changed = true
        },
      })
      const restored = await loadOrBootstrap(logStore, machine.appliedIndex(), options.join === true ? null : office)
      checkStoredMembership(restored, nodeId, office, join(options.dataDir, nodeId))

      // The transport delivers into the driver, which is created with the transport: bind late.
      let deliver: (message: Message) => void = () => {}
      // Scrapes read the driver and RPC server, which are built with the metrics: bound late too.
      let scraped: { readonly driver: RaftDriver<OfficeOutcome | null>; readonly rpc: RpcServer; readonly freeBusy: FreeBusyService } | null = null
      const running = (): NonNullable<typeof scraped> => scraped ?? failNotStarted(nodeId)
      const metrics = new NodeMetrics(
        { nodeId, officeId: office.id, processMetrics: options.processMetrics === true },
        {
          raft: () => running().driver.status(),
          driver: () => running().driver.stats(),
          rpc: () => running().rpc.stats(),
          fencing: () => fencingCounters(machine.store),
          freeBusyCache: () => running().freeBusy.cacheStats(),
        },
      )
      const security = await loadReplicaSecurity(config, nodeId, now)
      const transport = new PeerTransport({
        self: { clusterId: config.clusterId, officeId: office.id, nodeId },
        peers: peerUrlsOf(config, nodeId),
        advertisedUrl: peerUrl(replica, config.security.tls !== null),
        deliver: (message) => deliver(message),
        random,
        logger,
        ...(security.peerAuthenticator === null ? {} : { authenticator: security.peerAuthenticator }),
        ...(security.tls?.ca == null ? {} : { tlsCa: security.tls.ca }),
      })
      const driver = await RaftDriver.start<OfficeOutcome | null>({
        config: raftConfig(config, nodeId, random),
        restored,
        storage: timeSyncedWrites(logStore, (seconds) => metrics.observeSyncWrite(seconds)),
        transport,
        stateMachine: machine,
        ticker: options.ticker ?? intervalTicker(config.timing.tickMs),
        snapshotEvery: options.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY,
        onFatal: (error) => logger.error('replica stopped after a storage or state machine failure', { error: error.message }),
        onSoftState: (soft) => {
          metrics.softState(soft)
          logger.info(soft.role === 'leader' ? `became leader of term ${soft.term}` : `${soft.role} in term ${soft.term}`, { role: soft.role, term: soft.term, leader: soft.leader })
        },
        onStall: (step, ticks) => {
          const raft = driver.status()
          logger.warn('Raft processing is stuck waiting on one step', { step, waitedMs: ticks * config.timing.tickMs, applied: raft.applied, commit: raft.commit })
        },
      })
      // Intervals only, so a monotonic clock unless a test injects one: a wall-clock step must not make old state look fresh.
      const freshness = new ReadFreshness(() => driver.status(), options.now ?? (() => performance.now()))
      deliver = (message) => {
        freshness.heard(message)
        driver.step(message)
      }

      const rpc = new RpcServer({ logger, maxFrameBytes: MAX_CLIENT_FRAME_BYTES, observer: metrics, gate: security.gate(machine.store, logger) })
      const scrapers = security.metricsGate(machine.store, logger)
      const listener = new ReplicaListener({
        onClient: (socket, remote, headers) => rpc.accept(socket, remote, headers),
        onPeer: (socket, remote) => transport.acceptIncoming(socket, remote),
        maxClientFrameBytes: MAX_CLIENT_FRAME_BYTES,
        maxPeerFrameBytes: MAX_PEER_FRAME_BYTES,
        tls: security.tls === null ? null : { cert: security.tls.cert, key: security.tls.key },
        metrics: { contentType: METRICS_CONTENT_TYPE, render: () => metrics.exposition(), ...(scrapers === null ? {} : { admit: scrapers }) },
      })
      const node = new OfficeReplica(office, replica, config, db, machine, driver, transport, rpc, listener, now(), now, new OfficeTopology(config), metrics, storedTopology)
      node.outgoing = (officeId) => ({ authorization: security.outgoingAuthorization(officeId), ca: security.tls?.ca ?? null })
      node.freshness = freshness
      node.removedMembers = new Set([...removalsIn(restored), ...(await readRemovedMembers(machine.store))])
      node.registerMethods()
      registerTokenMethods(rpc, {
        bootstrapEntryId: security.bootstrapEntryId,
        proposeKv: (command, ctx) => node.proposeKv(command, ctx),
        readPrefix: async (prefix, limit, ctx) => {
          await node.readBarrier(false, ctx)
          return readKvPrefix(machine.store, prefix, limit)
        },
        now,
      })
      node.startTokenSync(options, logger)
      const freeBusy = new FreeBusyService({
        offices: () => node.topology.officeIds(),
        // Peer credentials and the offices' current addresses, like the 2PC and directory clients.
        connect: (officeId) => new ClusterClient<OfficeMethods>(node.officeClientOptions(officeId)),
        store: machine.store,
        office: calendarSettings,
        journal,
        readBarrier: (ctx) => node.readBarrier(false, ctx),
        boundedRead: (maxStalenessMs, ctx) => node.boundedRead(maxStalenessMs, ctx),
        isLeader: () => driver.status().role === 'leader',
        now,
      })
      node.freeBusy = freeBusy
      scraped = { driver, rpc, freeBusy }
      freeBusy.register(rpc)
      registerCalendarMethods(rpc, {
        store: machine.store,
        office: calendarSettings,
        waiters,
        propose: async (command, ctx) => {
          const result = await node.propose({ kind: 'calendar', command }, ctx)
          if (result.kind !== 'calendar') throw RpcError.of('INTERNAL', `${ctx.method}: expected a calendar result`)
          return result.result
        },
        readBarrier: (stale, ctx) => node.readBarrier(stale, ctx),
        boundedRead: (maxStalenessMs, ctx) => node.boundedRead(maxStalenessMs, ctx),
        now,
        appliedIndex: () => machine.appliedIndex(),
        fanOut: freeBusy.fanOut,
      })
      node.startDirectory(options, logger)
      node.startCrossOffice(options, now, logger)
      node.startRoutes(logger)
      try {
        await listener.listen(replica.port, replica.host)
      } catch (error) {
        await driver.stop()
        transport.close()
        throw error
      }
      transport.start()
      await node.refreshPeers()
      node.peerRefresh = setInterval(() => node.refreshPeersInBackground(logger), PEER_REFRESH_MS)
      return node
    } catch (error) {
      await db.close()
      throw error
    }
  }

  get id(): string {
    return this.replica.id
  }

  /** Settles when the replica stops: null after stop(), the error after a fatal failure. */
  get closed(): Promise<Error | null> {
    return this.driver.closed
  }

  /** The methods this replica's /client endpoint serves. */
  methodNames(): readonly string[] {
    return this.rpc.methodNames()
  }

  status(): ReplicaStatus {
    const raft = this.driver.status()
    return {
      id: this.replica.id,
      office: this.office.id,
      role: raft.role,
      term: raft.term,
      leader: raft.leader,
      commitIndex: raft.commit,
      appliedIndex: raft.applied,
      firstIndex: raft.firstIndex,
      lastIndex: raft.lastIndex,
      voters: [...raft.conf.voters],
      learners: [...raft.conf.learners],
      uptimeMs: this.now() - this.startedAt,
      tzdb: tzdbVersion(),
      members: [...this.memberAddresses].map(([id, address]) => ({ id, clientUrl: clientUrl(address, this.config.security.tls !== null) })),
    }
  }

  async stop(): Promise<void> {
    if (this.peerRefresh !== null) clearInterval(this.peerRefresh)
    await this.refreshing
    this.crossOffice?.service.stop()
    this.freeBusy?.stop()
    for (const client of this.crossOffice?.clients.values() ?? []) client.close()
    this.directory?.service.stop()
    for (const client of this.directory?.clients.values() ?? []) client.close()
    this.tokenSync?.service.stop()
    for (const client of this.tokenSync?.clients.values() ?? []) client.close()
    await this.routes?.service.stop()
    for (const client of this.routes?.clients.values() ?? []) client.close()
    this.rpc.closeAll()
    await this.listener.close()
    this.transport.close()
    await this.driver.stop()
    // The last apply's write may still be landing. If it failed, nothing is lost: the Raft log
    // holds those entries and the next start applies them again.
    await this.machine.store.settled().catch(() => undefined)
    await this.db.close()
  }

  /**
   * Peer links follow the Raft membership: current members, at the address recorded when they
   * joined or else the one in the config file. A replica that has no membership yet (it is
   * joining) talks to the office's replicas listed in its config file.
   */
  /** One refresh at a time; a failed one (a store read) is logged and the next turn retries. */
  private refreshPeersInBackground(logger: RpcLogger): void {
    if (this.refreshing !== null) return
    this.refreshing = this.refreshPeers()
      .catch((error: unknown) => {
        this.storedTopology.changed = true
        logger.warn('could not refresh the peer links; the next turn retries', { error: error instanceof Error ? error.message : String(error) })
      })
      .finally(() => {
        this.refreshing = null
      })
  }

  private async refreshPeers(): Promise<void> {
    // The stored addresses and offices change only by committed writes: reading LevelDB on every
    // timer turn cost about 2 ms of the event loop per turn under write load (a latency spike).
    if (!this.storedTopology.changed && membershipSignature(this.driver.status().conf) === this.confSignature) return
    this.storedTopology.changed = false
    await this.topology.refresh(this.machine.store)
    const conf = this.driver.status().conf
    this.confSignature = membershipSignature(conf)
    const members = [...conf.voters, ...conf.learners]
    for (const id of this.confMembers) if (!members.includes(id)) this.removedMembers.add(id)
    for (const id of members) this.removedMembers.delete(id)
    this.confMembers = members
    const recorded = await readMemberAddresses(this.machine.store)
    const candidates = members.length === 0 ? this.office.replicas.map((r) => r.id) : members
    const tls = this.config.security.tls !== null
    const peers = new Map<string, string>()
    const addresses = new Map<string, { readonly host: string; readonly port: number }>()
    for (const id of candidates) {
      const address = recorded.get(id) ?? this.office.replicas.find((r) => r.id === id)
      if (address === undefined) continue
      addresses.set(id, address)
      if (id !== this.replica.id) peers.set(id, peerUrl(address, tls))
    }
    this.memberAddresses = addresses
    // A replica that lags behind the change adding this one dials back where the office recorded it.
    this.transport.advertise(peerUrl(recorded.get(this.replica.id) ?? this.replica, tls))
    const removed = [...this.removedMembers].sort().join(',')
    const signature = [...peers].map(([id, url]) => `${id}=${url}`).sort().join(',') + `|${removed}`
    if (signature === this.peerSignature) return
    this.peerSignature = signature
    this.transport.setPeers(peers, new Set(this.removedMembers))
    this.transport.start()
  }

  /** A proposal the node makes for itself (2PC, directory), answered with its own kind of result. */
  private async proposeInternal<K extends Exclude<OfficeCommand['kind'], 'kv'>>(
    kind: K,
    command: Extract<OfficeCommand, { kind: K }>['command'],
    requestId: string,
    signal: AbortSignal,
  ): Promise<ResultOfKind[K]> {
    const ctx: RequestContext = { requestId, clientSession: null, method: `${kind}/${command.kind}`, connectionId: 0, remoteAddress: null, signal }
    const result = await this.propose({ kind, command } as OfficeCommand, ctx)
    if (result.kind !== kind) throw RpcError.of('INTERNAL', `${ctx.method}: expected a ${kind} result, got ${result.kind}`)
    return result.result as ResultOfKind[K]
  }

  /** This replica's term while it leads its office, else null. */
  private leaderTerm(): number | null {
    const raft = this.driver.status()
    return raft.role === 'leader' ? raft.term : null
  }

  /** How a client reaches `officeId`: where its members are (as last learned, see OfficeRoutes) and this replica's credential there. */
  private officeClientOptions(officeId: string): ClusterClientOptions<MethodMap> {
    return { ...this.topology.clientTargets(officeId), currentTargets: () => this.topology.clientTargets(officeId), ...this.outgoing(officeId) }
  }

  /** One client per other office, made on first use and kept in `clients`. */
  private officeClients<M extends MethodMap>(clients: Map<string, ClusterClient<M>>): (officeId: string) => ClusterClient<M> {
    return (officeId) => {
      let client = clients.get(officeId)
      if (client === undefined) clients.set(officeId, (client = new ClusterClient<M>(this.officeClientOptions(officeId))))
      return client
    }
  }

  /** The 2PC coordinator and participant of this office, with clients to every office's group. */
  private startCrossOffice(options: OfficeReplicaOptions, now: () => number, logger: RpcLogger): void {
    const clients = new Map<string, ClusterClient<CrossOfficeMethods>>()
    const topology = this.topology
    const service = new CrossOfficeService({
      officeId: this.office.id,
      // A getter: offices added while the node runs take part in later bookings.
      get offices() {
        return topology.officeIds()
      },
      store: this.machine.store,
      propose: async (command, requestId, signal) => {
        const result = await this.proposeInternal('xoffice', command, requestId, signal)
        if (command.kind === 'tx.decide') this.metrics.decision(command.decision.kind)
        return result
      },
      proposeCalendar: (command, requestId, signal) => this.proposeInternal('calendar', command, requestId, signal),
      leaderTerm: () => this.leaderTerm(),
      office: this.officeClients<CrossOfficeMethods>(clients),
      readBarrier: (ctx) => this.readBarrier(false, ctx),
      timing: { ...DEFAULT_CROSS_OFFICE_TIMING, ...options.crossOffice },
      now,
      random: options.random ?? Math.random,
      logger,
      ...(options.afterDecision === undefined ? {} : { afterDecision: options.afterDecision }),
    })
    service.register(this.rpc)
    service.start()
    this.crossOffice = { service, clients }
  }

  /** Every office's tokens and revocations merged into this office's, also in offices added later. */
  private startTokenSync(options: OfficeReplicaOptions, logger: RpcLogger): void {
    const clients = new Map<string, ClusterClient<TokenSyncMethods>>()
    const service = new TokenSync({
      officeId: this.office.id,
      officeIds: () => this.topology.officeIds(),
      office: this.officeClients<TokenSyncMethods>(clients),
      leaderTerm: () => this.leaderTerm(),
      readEntries: async () => (await readKvPrefix(this.machine.store, TOKEN_KEY_PREFIX, MAX_TOKENS)).entries,
      readBarrier: (ctx) => this.readBarrier(false, ctx),
      proposeKv: (command, requestId) =>
        this.proposeKv(command, { requestId, clientSession: null, method: 'token.sync', connectionId: 0, remoteAddress: null, signal: AbortSignal.timeout(TOKEN_SYNC_PROPOSAL_MS) }),
      passIntervalMs: options.crossOffice?.passIntervalMs ?? DEFAULT_CROSS_OFFICE_TIMING.passIntervalMs,
      logger,
    })
    service.register(this.rpc)
    service.start()
    this.tokenSync = { service, clients }
  }

  /** Asks the other offices where their members are now, so clients to them follow replacements. */
  private startRoutes(logger: RpcLogger): void {
    const clients = new Map<string, ClusterClient<Pick<OfficeMethods, 'replica.status'>>>()
    const service = new OfficeRoutes({ officeId: this.office.id, topology: this.topology, office: this.officeClients(clients), intervalMs: ROUTE_REFRESH_MS, logger })
    service.start()
    this.routes = { service, clients }
  }

  /** The replicated directory: lookups, publication to the other offices, moves of people. */
  private startDirectory(options: OfficeReplicaOptions, logger: RpcLogger): void {
    const clients = new Map<string, ClusterClient<DirectoryMethods>>()
    const service = new DirectoryService({
      officeId: this.office.id,
      store: this.machine.store,
      topology: this.topology,
      propose: (command, requestId, signal) => this.proposeInternal('directory', command, requestId, signal),
      leaderTerm: () => this.leaderTerm(),
      office: this.officeClients<DirectoryMethods>(clients),
      readBarrier: (stale, ctx) => this.readBarrier(stale, ctx),
      passIntervalMs: options.crossOffice?.passIntervalMs ?? DEFAULT_CROSS_OFFICE_TIMING.passIntervalMs,
      logger,
    })
    service.register(this.rpc)
    service.start()
    this.directory = { service, clients }
  }

  private registerMethods(): void {
    const s = OFFICE_PARAM_SCHEMAS
    this.rpc
      .method('kv.put', s['kv.put'], (p, ctx) => this.proposeKv({ op: 'put', key: p.key, value: p.value }, ctx))
      .method('kv.delete', s['kv.delete'], (p, ctx) => this.proposeKv({ op: 'delete', key: p.key }, ctx))
      .method('kv.cas', s['kv.cas'], (p, ctx) => this.proposeKv({ op: 'cas', key: p.key, expected: p.expected, value: p.value }, ctx))
      .method('kv.get', s['kv.get'], async (p, ctx) => {
        await this.readBarrier(p.stale === true, ctx)
        return readKvKey(this.machine.store, p.key)
      })
      .method('kv.range', s['kv.range'], async (p, ctx) => {
        await this.readBarrier(p.stale === true, ctx)
        return readKvPrefix(this.machine.store, p.prefix, p.limit ?? 1000)
      })
      .method('replica.status', s['replica.status'], () => this.status())
      .method('replica.membership', s['replica.membership'], async (p, ctx) => {
        const address = p.address ?? this.office.replicas.find((r) => r.id === p.node)
        if ((p.change === 'addLearner' || p.change === 'addVoter') && address === undefined) {
          throw RpcError.of('BAD_REQUEST', `replica.membership: no address for ${p.node}: pass one or list it in the cluster config`)
        }
        const context = address === undefined ? undefined : encodeMemberAddress(address)
        const change =
          p.change === 'addLearner' || p.change === 'addVoter'
            ? { type: p.change, node: p.node, ...(context === undefined ? {} : { context }) }
            : { type: p.change, node: p.node }
        await this.guard(() => this.driver.proposeConfChange(change, { signal: ctx.signal }))
        return { index: this.driver.status().lastIndex }
      })
      .method('replica.transferLeadership', s['replica.transferLeadership'], async (p) => {
        // Only the leader can hand over; a follower redirects the client there (NOT_LEADER) like a write.
        const raft = this.driver.status()
        if (raft.role !== 'leader') {
          await this.guard(() => Promise.reject(new RaftRequestError('notLeader', raft.leader, `${this.replica.id} does not lead ${this.office.id}`)))
        }
        const result = this.driver.transferLeadership(p.to)
        if (!result.ok) throw RpcError.of('BAD_REQUEST', `cannot transfer leadership to ${p.to}: ${result.reason}`)
        return { ok: true as const }
      })
  }

  private async proposeKv(command: Extract<OfficeCommand, { kind: 'kv' }>['command'], ctx: RequestContext) {
    const result = await this.propose({ kind: 'kv', command }, ctx)
    if (result.kind !== 'kv') throw RpcError.of('INTERNAL', `${ctx.method}: expected a kv result`)
    return result.result
  }

  /** Stamps the proposal with this (leader's) clock: the state machine's only notion of now. */
  private async propose(command: OfficeCommand, ctx: RequestContext): Promise<OfficeResult> {
    const session = ctx.clientSession
    const proposal = encodeProposal({ requestId: ctx.requestId, ...(session === null ? {} : { session }), command, atMs: this.now() })
    const outcome = await this.guard(() => this.driver.propose(proposal, { signal: ctx.signal })).catch((error: unknown) => {
      this.metrics.proposal(command.kind, true)
      throw error
    })
    this.metrics.proposal(command.kind, false)
    if (outcome === null) throw RpcError.of('INTERNAL', `${ctx.method}: the entry was applied without an outcome`)
    if (outcome.ok) return outcome.result
    switch (outcome.code) {
      case 'STALE_VERSION':
        throw RpcError.of('CONFLICT', `${ctx.method}: ${outcome.message}`, { code: outcome.code, currentVersion: outcome.currentVersion })
      case 'NOT_FOUND':
        throw RpcError.of('NOT_FOUND', `${ctx.method}: ${outcome.message}`, { code: outcome.code })
      case 'REJECTED':
      case 'BAD_COMMAND':
        throw RpcError.of('BAD_REQUEST', `${ctx.method}: ${outcome.message}`, { code: outcome.code })
    }
  }

  /** Linearizable reads wait for a ReadIndex round; stale reads use whatever this replica applied. */
  private async readBarrier(stale: boolean, ctx: RequestContext): Promise<void> {
    if (!stale) await this.guard(() => this.driver.read({ signal: ctx.signal }))
  }

  /**
   * A read that accepts state up to `maxStalenessMs` old: any replica's applied state when it is
   * known to be that fresh (a follower needs no leader for it), else a linearizable barrier.
   */
  private async boundedRead(maxStalenessMs: number, ctx: RequestContext): Promise<void> {
    const staleness = this.freshness?.stalenessMs() ?? null
    if (staleness === null || staleness > maxStalenessMs) await this.readBarrier(false, ctx)
  }

  private async guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw toRpcError(error, (leader) => this.leaderUrl(leader))
    }
  }

  private leaderUrl(leader: string): string | null {
    const replica = this.memberAddresses.get(leader) ?? this.office.replicas.find((r) => r.id === leader)
    return replica === undefined ? null : clientUrl(replica, this.config.security.tls !== null)
  }
}

/**
 * A replica's stored Raft state; on the very first start of an office's initial replica, first
 * writes the office's founding membership as committed config entries 1..n of term 1. Every
 * initial replica writes the same entries, so their logs agree, and the membership lives in the
 * log (and later in snapshots) rather than in a config file that may change: a replica added
 * later learns the whole history from the leader. A joining replica (`office` null) starts empty.
 */
async function loadOrBootstrap(logStore: RaftLogStore, applied: number, office: OfficeConfig | null): Promise<RestoredState> {
  const noMembers = { voters: [], learners: [] }
  const restored = await logStore.load({ applied, conf: noMembers })
  const fresh = restored.hardState.term === 0 && restored.entries.length === 0 && restored.snapshot === null
  if (!fresh || office === null) return restored
  const founding: Entry[] = office.replicas.map((replica, i) => ({
    kind: 'config',
    term: 1,
    index: i + 1,
    change: { type: 'addVoter', node: replica.id },
  }))
  await logStore.persist({ snapshot: null, entries: founding, hardState: { term: 1, vote: null, commit: founding.length } })
  return logStore.load({ applied, conf: noMembers })
}

/** The nodes removed by membership changes in a restored log (those compacted into the snapshot are in the keyspace). */
function removalsIn(restored: RestoredState): Set<string> {
  const removed = new Set<string>()
  for (const entry of restored.entries) if (entry.kind === 'config' && entry.change.type === 'removeNode') removed.add(entry.change.node)
  return removed
}

function raftConfig(config: ClusterConfig, nodeId: string, random: () => number): RaftConfig {
  return {
    id: nodeId,
    electionTicks: config.timing.electionTicks,
    heartbeatTicks: config.timing.heartbeatTicks,
    maxBytesPerMessage: 1024 * 1024,
    maxInflightMessages: 256,
    snapshotChunkBytes: 1024 * 1024,
    preVote: true,
    checkQuorum: true,
    leaseReads: false,
    maxClockDriftTicks: 2,
    random,
  }
}

function failNotStarted(nodeId: string): never {
  throw new Error(`replica ${nodeId} is still starting: no metrics yet`)
}
