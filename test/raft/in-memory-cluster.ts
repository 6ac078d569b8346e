/**
 * A hand-driven cluster of Raft cores for protocol-trace tests: nothing happens unless the test
 * ticks a node or delivers messages. Each node has a fake durable store that receives exactly what
 * the Ready contract says must be persisted, so restarts keep only that.
 */
import { RaftNode, type ConfState, type Entry, type HardState, type Message, type RaftConfig, type ReadState, type Ready, type Snapshot } from '../../raft/index.js'

export interface Store {
  hardState: HardState
  snapshot: Snapshot | null
  entries: Entry[]
  applied: number
}

/** Seeded PRNG (mulberry32) so every run is identical. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function testConfig(id: string, overrides: Partial<RaftConfig> = {}): RaftConfig {
  return {
    id,
    electionTicks: 10,
    heartbeatTicks: 2,
    maxBytesPerMessage: 1 << 20,
    maxInflightMessages: 4,
    snapshotChunkBytes: 16,
    preVote: true,
    checkQuorum: true,
    leaseReads: false,
    maxClockDriftTicks: 2,
    random: seededRandom(id.charCodeAt(id.length - 1)),
    ...overrides,
  }
}

export class InMemoryCluster {
  readonly nodes = new Map<string, RaftNode>()
  readonly stores = new Map<string, Store>()
  /** Everything each node applied, in order (commands decoded as text). */
  readonly applied = new Map<string, string[]>()
  readonly readyLog = new Map<string, Ready[]>()
  /** Read results each node's Readies reported, in order. */
  readonly readStates = new Map<string, ReadState[]>()
  readonly readFailures = new Map<string, string[]>()
  /** Messages sent and not yet delivered. */
  queue: Message[] = []
  /** Called after a Ready's durable part is stored and before its messages are sent. */
  afterPersist: ((id: string, rd: Ready, store: Store) => void) | null = null
  /** Links that drop messages: "a->b". */
  private readonly cut = new Set<string>()

  constructor(
    ids: readonly string[],
    private readonly overrides: Partial<RaftConfig> = {},
    conf: ConfState = { voters: ids, learners: [] },
  ) {
    for (const id of ids) {
      this.stores.set(id, { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], applied: 0 })
      this.applied.set(id, [])
      this.readyLog.set(id, [])
      this.nodes.set(id, this.construct(id, conf))
    }
  }

  private construct(id: string, conf: ConfState): RaftNode {
    const store = this.store(id)
    return new RaftNode(testConfig(id, this.overrides), {
      hardState: store.hardState,
      snapshot: store.snapshot,
      entries: store.entries,
      applied: store.applied,
      conf,
    })
  }

  node(id: string): RaftNode {
    const n = this.nodes.get(id)
    if (n === undefined) throw new Error(`no node ${id}`)
    return n
  }

  store(id: string): Store {
    const s = this.stores.get(id)
    if (s === undefined) throw new Error(`no store ${id}`)
    return s
  }

  /**
   * Adds a replica with an empty log, to be added by a membership change. Like every replica it
   * starts from the cluster's bootstrap membership and replays the config entries it receives.
   */
  addBlankNode(id: string, bootstrap: ConfState): RaftNode {
    this.stores.set(id, { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], applied: 0 })
    this.applied.set(id, [])
    this.readyLog.set(id, [])
    const n = this.construct(id, bootstrap)
    this.nodes.set(id, n)
    return n
  }

  /** Crash and restart: the new core sees only what was persisted. */
  restart(id: string, conf: ConfState): RaftNode {
    this.queue = this.queue.filter((m) => m.to !== id && m.from !== id)
    const n = this.construct(id, conf)
    this.nodes.set(id, n)
    return n
  }

  /** Handles every pending Ready of one node in contract order; queues its messages. */
  process(id: string): void {
    const node = this.node(id)
    while (node.hasReady()) {
      const rd = node.ready()
      this.readyLog.get(id)?.push(rd)
      const store = this.store(id)
      if (rd.snapshot !== null) {
        store.snapshot = rd.snapshot
        store.entries = store.entries.filter((e) => e.index > (rd.snapshot?.meta.index ?? 0))
        if (store.entries[0] !== undefined && store.entries[0].index !== rd.snapshot.meta.index + 1) store.entries = []
      }
      const first = rd.entries[0]
      if (first !== undefined) store.entries = [...store.entries.filter((e) => e.index < first.index), ...rd.entries]
      if (rd.hardState !== null) store.hardState = rd.hardState
      this.afterPersist?.(id, rd, store)
      this.readStates.set(id, [...(this.readStates.get(id) ?? []), ...rd.readStates])
      this.readFailures.set(id, [...(this.readFailures.get(id) ?? []), ...rd.readFailures])
      this.queue.push(...rd.messages)
      const applied = this.applied.get(id) ?? []
      if (rd.snapshot !== null) applied.push(`snapshot@${rd.snapshot.meta.index}:${new TextDecoder().decode(rd.snapshot.data)}`)
      for (const e of rd.committed) {
        applied.push(e.kind === 'command' ? new TextDecoder().decode(e.data) : e.kind)
        store.applied = e.index
      }
      if (rd.snapshot !== null) store.applied = Math.max(store.applied, rd.snapshot.meta.index)
      node.advance(rd)
    }
  }

  /** The application snapshots its applied state (the applied commands, joined) and compacts. */
  compact(id: string): Snapshot {
    const store = this.store(id)
    const data = new TextEncoder().encode((this.applied.get(id) ?? []).join(','))
    const kept = this.node(id).compact({ meta: { index: store.applied, term: 0, conf: { voters: [], learners: [] } }, data })
    store.snapshot = kept
    store.entries = store.entries.filter((e) => e.index > kept.meta.index)
    return kept
  }

  processAll(): void {
    for (const id of this.nodes.keys()) this.process(id)
  }

  isolate(id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue
      this.cut.add(`${id}->${other}`)
      this.cut.add(`${other}->${id}`)
    }
  }

  cutLink(from: string, to: string): void {
    this.cut.add(`${from}->${to}`)
  }

  heal(): void {
    this.cut.clear()
  }

  /** Takes the queued messages matching `pick` out of the queue (for hand delivery). */
  take(pick: (m: Message) => boolean): Message[] {
    const taken = this.queue.filter(pick)
    this.queue = this.queue.filter((m) => !pick(m))
    return taken
  }

  deliver(msg: Message): void {
    if (this.cut.has(`${msg.from}->${msg.to}`)) return
    this.nodes.get(msg.to)?.step(msg)
  }

  /** Processes and delivers until no message is left (bounded, so a livelock fails the test). */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      this.processAll()
      if (this.queue.length === 0) return
      const batch = this.queue
      this.queue = []
      for (const m of batch) this.deliver(m)
    }
    throw new Error('cluster did not stabilize')
  }

  tick(id: string, times = 1): void {
    for (let i = 0; i < times; i++) this.node(id).tick()
  }

  /** Ticks every node `times` times, stabilizing after each tick. */
  tickAll(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const n of this.nodes.values()) n.tick()
      this.stabilize()
    }
  }

  /** Makes `id` time out (twice the election timeout covers the random part) and win. */
  elect(id: string): void {
    const node = this.node(id)
    for (let i = 0; i < 20 * 2 && node.status().role !== 'leader'; i++) {
      node.tick()
      this.stabilize()
    }
    if (node.status().role !== 'leader') throw new Error(`${id} did not become leader`)
  }

  propose(id: string, text: string): number {
    const r = this.node(id).propose(new TextEncoder().encode(text))
    if (!r.ok) throw new Error(`proposal refused: ${r.reason}`)
    return r.index
  }

  /** Queued (not yet delivered) messages matching `pred`. */
  sent<M extends Message>(pred: (m: Message) => m is M): M[]
  sent(pred: (m: Message) => boolean): Message[]
  sent(pred: (m: Message) => boolean): Message[] {
    return this.queue.filter(pred)
  }
}

export function text(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}
