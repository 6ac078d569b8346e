/**
 * An in-process Raft group of RaftDrivers for driver tests: real LevelDB stores in per-replica
 * directories, an in-memory network that delivers asynchronously and can isolate replicas, and a
 * hand-driven clock.
 * Time only advances when everything is quiet (`settle`), so runs do not depend on disk speed.
 */
import { RaftDriver, type RaftStorage, type Ticker } from '../../raft/driver.js'
import type { ConfState, Message, NodeId, RaftConfig } from '../../raft/types.js'
import { RaftLogStore } from '../../storage/raft-log-store.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { KvStateMachine, type KvStateMachineHooks } from './kv-state-machine.js'
import { join } from 'node:path'

/** Small seeded PRNG (mulberry32) so elections are reproducible. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let x = state
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

class ManualTicker implements Ticker {
  private readonly listeners = new Set<() => void>()
  start(onTick: () => void): { stop(): void } {
    this.listeners.add(onTick)
    return { stop: () => this.listeners.delete(onTick) }
  }
  tick(): void {
    for (const listener of [...this.listeners]) listener()
  }
}

/** The Raft settings of the driver tests: small messages and chunks, so batching and chunking show. */
export function testRaftConfig(id: NodeId, random: () => number, maxInflightMessages = 16): RaftConfig {
  return {
    id,
    electionTicks: 10,
    heartbeatTicks: 2,
    maxBytesPerMessage: 64 * 1024,
    maxInflightMessages,
    snapshotChunkBytes: 1024,
    preVote: true,
    checkQuorum: true,
    leaseReads: false,
    maxClockDriftTicks: 0,
    random,
  }
}

export interface Replica {
  readonly id: NodeId
  readonly driver: RaftDriver<string | null>
  readonly machine: KvStateMachine
  readonly db: ReplicaDb
}

export interface ClusterOptions {
  readonly directory: string
  readonly ids: readonly NodeId[]
  readonly snapshotEvery: number
  readonly seed: number
  /** Wraps each replica's storage, e.g. to inject failures. */
  readonly wrapStorage?: (id: NodeId, storage: RaftStorage) => RaftStorage
  /** Hooks into each replica's state machine, e.g. to watch applies or hold snapshots. */
  readonly machineHooks?: (id: NodeId) => KvStateMachineHooks
}

export class DriverCluster {
  readonly replicas = new Map<NodeId, Replica>()
  private readonly ticker = new ManualTicker()
  private readonly isolated = new Set<NodeId>()
  private inFlight = 0
  private restarts = 0

  constructor(private readonly options: ClusterOptions) {}

  async startAll(): Promise<void> {
    for (const id of this.options.ids) await this.start(id)
  }

  async start(id: NodeId): Promise<Replica> {
    const db = await ReplicaDb.open(join(this.options.directory, id), { clusterId: 'driver-test', replicaId: id })
    const log = await RaftLogStore.open(db)
    const machine = new KvStateMachine(await StateMachineStore.open(db), this.options.machineHooks?.(id))
    const conf: ConfState = { voters: [...this.options.ids], learners: [] }
    const restored = await log.load({ applied: machine.store.appliedIndex(), conf })
    const config = testRaftConfig(id, seededRandom(this.options.seed * 31 + this.options.ids.indexOf(id) * 7 + this.restarts++))
    const driver = await RaftDriver.start({
      config,
      restored,
      storage: this.options.wrapStorage?.(id, log) ?? log,
      transport: { send: (messages) => this.deliver(messages) },
      stateMachine: machine,
      ticker: this.ticker,
      snapshotEvery: this.options.snapshotEvery,
    })
    const replica = { id, driver, machine, db }
    this.replicas.set(id, replica)
    return replica
  }

  async stop(id: NodeId): Promise<void> {
    const replica = this.replicas.get(id)
    if (replica === undefined) return
    this.replicas.delete(id)
    await replica.driver.stop()
    await replica.db.close()
  }

  async stopAll(): Promise<void> {
    for (const id of [...this.replicas.keys()]) await this.stop(id)
  }

  isolate(id: NodeId): void {
    this.isolated.add(id)
  }

  heal(): void {
    this.isolated.clear()
  }

  replica(id: NodeId): Replica {
    const replica = this.replicas.get(id)
    if (replica === undefined) throw new Error(`replica ${id} is not running`)
    return replica
  }

  /** The replica that is leader in the highest term among running, connected ones, if any. */
  leader(): Replica | undefined {
    let best: Replica | undefined
    for (const replica of this.replicas.values()) {
      const status = replica.driver.status()
      if (status.role !== 'leader' || this.isolated.has(replica.id)) continue
      if (best === undefined || status.term > best.driver.status().term) best = replica
    }
    return best
  }

  /** Waits until no message is in flight and no replica is processing a Ready. */
  async settle(): Promise<void> {
    for (let round = 0; round < 10_000; round++) {
      await Promise.all([...this.replicas.values()].map((r) => r.driver.idle()))
      if (this.inFlight === 0) return
      await new Promise((resolve) => setImmediate(resolve))
    }
    throw new Error('cluster did not settle')
  }

  /** Ticks (settling after each tick) until `done()` holds; fails after `maxTicks`. */
  async runUntil(what: string, done: () => boolean | Promise<boolean>, maxTicks = 500): Promise<void> {
    await this.settle()
    for (let tick = 0; tick < maxTicks; tick++) {
      if (await done()) return
      this.ticker.tick()
      await this.settle()
    }
    if (await done()) return
    throw new Error(`not reached within ${maxTicks} ticks: ${what}`)
  }

  private deliver(messages: readonly Message[]): void {
    for (const message of messages) {
      if (this.isolated.has(message.from) || this.isolated.has(message.to)) continue
      this.inFlight++
      setImmediate(() => {
        this.inFlight--
        if (!this.isolated.has(message.from) && !this.isolated.has(message.to)) {
          this.replicas.get(message.to)?.driver.step(message)
        }
      })
    }
  }
}
