/**
 * Raft messages between the replicas of one office, over /peer WebSockets.
 *
 * Outgoing (here): one connection per peer, dialled by this replica and used only to send.
 * Messages handed to `send` in one turn of the event loop are grouped per peer into one frame (a
 * msgpack array). While a peer is unreachable its messages are dropped (Raft retransmits what
 * matters) and the link redials with exponential backoff and jitter. Nothing queues without bound.
 *
 * Incoming: connections dialled by the peers, served and validated by the `PeerInbox`.
 *
 * A replica that lags behind a membership change may be dialled by an authenticated member it does
 * not know yet (a new leader). Its hello advertises where it listens; that learned address is used
 * for replies only while the node is not in the peer map: once membership knows it, the recorded
 * address wins.
 */
import { randomBytes } from 'node:crypto'
import { WebSocket } from 'ws'
import type { Message, NodeId } from '../../raft/types.js'
import { backoffDelay, type BackoffPolicy } from './backoff.js'
import { ARRAY_FRAME_HEADER_BYTES, decodeFrame, encodeArrayFrame, encodeFrame, rawBytes } from './frame-codec.js'
import {
  challengeFrameSchema,
  NONCE_BYTES,
  openPeerAuthenticator,
  PEER_CLOSE,
  welcomeFrameSchema,
  type HandshakeTranscript,
  type PeerAuthenticator,
  type PeerIdentity,
} from './peer-handshake.js'
import { PeerInbox, type PeerInboxStats } from './peer-inbox.js'
import { stderrLogger, warnSampled, type RpcLogger } from './rpc-logger.js'
import { realSchedule, type Cancel, type Schedule } from './schedule.js'

export interface PeerTransportOptions {
  readonly self: PeerIdentity
  /** The other replicas of this office: node id -> its /peer URL. */
  readonly peers: ReadonlyMap<NodeId, string>
  /** Receives every valid incoming message, in arrival order. */
  readonly deliver: (message: Message) => void
  /** Uniform in [0, 1), for backoff jitter. */
  readonly random: () => number
  readonly schedule?: Schedule
  readonly authenticator?: PeerAuthenticator
  readonly logger?: RpcLogger
  /** Largest frame sent or accepted. A batch over it is split; a single message over it is dropped. */
  readonly maxFrameBytes?: number
  /** Messages kept for a peer while its connection is being set up; the excess is dropped. */
  readonly maxQueuedMessages?: number
  /** Bytes the socket may hold unsent before new messages for that peer are dropped. */
  readonly maxBufferedBytes?: number
  readonly maxMessagesPerFrame?: number
  readonly backoff?: BackoffPolicy
  readonly handshakeTimeoutMs?: number
  /** A link whose ping is not answered within this interval is considered dead and redialled. */
  readonly pingIntervalMs?: number
  /** The CA a wss:// peer's certificate must be signed by; absent: the system's trusted roots. */
  readonly tlsCa?: Buffer
  /** This replica's /peer URL, sent in every hello (see `advertise`); absent: none is sent. */
  readonly advertisedUrl?: string
}

export interface PeerTransportStats extends PeerInboxStats {
  framesSent: number
  messagesSent: number
  droppedDisconnected: number
  droppedQueueFull: number
  droppedBackpressure: number
  droppedOversize: number
  droppedUnknownPeer: number
  reconnects: number
}

type OutgoingLink =
  | { readonly state: 'connecting'; readonly socket: WebSocket; readonly queue: Message[]; readonly cancelTimeout: Cancel }
  | { readonly state: 'open'; readonly socket: WebSocket; cancelPing: Cancel; awaitingPong: boolean }
  | { readonly state: 'backoff'; readonly cancelRetry: Cancel }

interface PeerLimits {
  readonly maxFrameBytes: number
  readonly maxQueuedMessages: number
  readonly maxBufferedBytes: number
  readonly maxMessagesPerFrame: number
  readonly backoff: BackoffPolicy
  readonly handshakeTimeoutMs: number
  readonly pingIntervalMs: number
}

const DEFAULTS: PeerLimits = {
  maxFrameBytes: 16 * 1024 * 1024,
  maxQueuedMessages: 1024,
  maxBufferedBytes: 64 * 1024 * 1024,
  maxMessagesPerFrame: 4096,
  backoff: { baseMs: 50, maxMs: 2000 },
  handshakeTimeoutMs: 5000,
  pingIntervalMs: 2000,
}

export class PeerTransport {
  private readonly self: PeerIdentity
  private peers: ReadonlyMap<NodeId, string>
  /** Nodes this replica knows left the office: never admitted, even with a valid proof. */
  private removed: ReadonlySet<NodeId> = new Set()
  /** Addresses advertised by admitted dialers that are not in `peers`, for answering them. */
  private readonly learned = new Map<NodeId, string>()
  private advertisedUrl: string | undefined
  private readonly random: () => number
  private readonly schedule: Schedule
  private readonly authenticator: PeerAuthenticator
  private readonly logger: RpcLogger
  private readonly limits: PeerLimits
  private readonly inbox: PeerInbox
  private readonly tlsCa: Buffer | undefined

  private readonly links = new Map<NodeId, OutgoingLink>()
  private readonly failures = new Map<NodeId, number>()
  private pending = new Map<NodeId, Message[]>()
  private flushScheduled = false
  private closed = false
  private readonly counters: Omit<PeerTransportStats, keyof PeerInboxStats> = {
    framesSent: 0,
    messagesSent: 0,
    droppedDisconnected: 0,
    droppedQueueFull: 0,
    droppedBackpressure: 0,
    droppedOversize: 0,
    droppedUnknownPeer: 0,
    reconnects: 0,
  }

  constructor(options: PeerTransportOptions) {
    this.self = options.self
    this.peers = options.peers
    this.random = options.random
    this.schedule = options.schedule ?? realSchedule
    this.authenticator = options.authenticator ?? openPeerAuthenticator
    this.logger = options.logger ?? stderrLogger
    this.tlsCa = options.tlsCa
    this.advertisedUrl = options.advertisedUrl
    this.limits = {
      maxFrameBytes: options.maxFrameBytes ?? DEFAULTS.maxFrameBytes,
      maxQueuedMessages: options.maxQueuedMessages ?? DEFAULTS.maxQueuedMessages,
      maxBufferedBytes: options.maxBufferedBytes ?? DEFAULTS.maxBufferedBytes,
      maxMessagesPerFrame: options.maxMessagesPerFrame ?? DEFAULTS.maxMessagesPerFrame,
      backoff: options.backoff ?? DEFAULTS.backoff,
      handshakeTimeoutMs: options.handshakeTimeoutMs ?? DEFAULTS.handshakeTimeoutMs,
      pingIntervalMs: options.pingIntervalMs ?? DEFAULTS.pingIntervalMs,
    }
    this.inbox = new PeerInbox({
      self: this.self,
      isPeer: (nodeId) => this.peers.has(nodeId),
      isRemoved: (nodeId) => this.removed.has(nodeId),
      admittedUnknown: (nodeId, url) => this.learn(nodeId, url),
      deliver: options.deliver,
      authenticator: this.authenticator,
      logger: this.logger,
      schedule: this.schedule,
      handshakeTimeoutMs: this.limits.handshakeTimeoutMs,
      maxMessagesPerFrame: this.limits.maxMessagesPerFrame,
    })
  }

  /** Dials every peer now rather than on the first message, so the first heartbeats are not lost. */
  start(): void {
    for (const peer of this.peers.keys()) if (!this.links.has(peer)) this.dial(peer)
  }

  /** Queues messages; everything sent in this turn leaves as one frame per peer. Never throws. */
  send(messages: readonly Message[]): void {
    if (this.closed) return
    for (const message of messages) {
      const queue = this.pending.get(message.to)
      if (queue === undefined) this.pending.set(message.to, [message])
      else queue.push(message)
    }
    if (!this.flushScheduled && this.pending.size > 0) {
      this.flushScheduled = true
      queueMicrotask(() => this.flush())
    }
  }

  /** Serves a connection a peer dialled to this replica's /peer path. */
  acceptIncoming(socket: WebSocket, remoteAddress: string | null): void {
    this.inbox.accept(socket, remoteAddress)
  }

  /**
   * Membership changed: links to removed peers are closed; new peers are dialled on first use.
   * `removed` are the nodes this replica knows left the office, refused from now on.
   */
  setPeers(peers: ReadonlyMap<NodeId, string>, removed: ReadonlySet<NodeId> = new Set()): void {
    for (const peer of this.peers.keys()) {
      if (!peers.has(peer) || peers.get(peer) !== this.peers.get(peer)) this.dropLink(peer)
      if (!peers.has(peer)) this.inbox.disconnect(peer, PEER_CLOSE.wrongPeer, 'no longer a member of this office')
    }
    for (const [peer, url] of this.learned) {
      if (!peers.has(peer) && !removed.has(peer)) continue
      this.learned.delete(peer)
      if (peers.get(peer) !== url) this.dropLink(peer)
    }
    for (const peer of this.inbox.connectedPeers()) {
      if (!peers.has(peer) && removed.has(peer)) this.inbox.disconnect(peer, PEER_CLOSE.wrongPeer, 'removed from this office')
    }
    this.peers = peers
    this.removed = removed
  }

  /** The /peer URL this replica's hellos carry from now on (the address its office recorded for it). */
  advertise(url: string): void {
    this.advertisedUrl = url
  }

  connectedPeers(): NodeId[] {
    return [...this.links].filter(([, link]) => link.state === 'open').map(([peer]) => peer)
  }

  stats(): PeerTransportStats {
    return { ...this.counters, ...this.inbox.stats() }
  }

  close(): void {
    this.closed = true
    this.pending.clear()
    for (const peer of [...this.links.keys()]) this.dropLink(peer)
    this.inbox.close()
  }

  // --- outgoing ------------------------------------------------------------------------------

  private flush(): void {
    this.flushScheduled = false
    const batches = this.pending
    this.pending = new Map()
    if (this.closed) return
    for (const [peer, messages] of batches) {
      if (this.urlOf(peer) === undefined) {
        this.counters.droppedUnknownPeer += messages.length
        warnSampled(this.logger, 'message for a node that is not a peer of this replica', this.counters.droppedUnknownPeer, { peer })
        continue
      }
      let link = this.links.get(peer)
      if (link === undefined) link = this.dial(peer)
      switch (link.state) {
        case 'connecting': {
          const room = this.limits.maxQueuedMessages - link.queue.length
          link.queue.push(...messages.slice(0, Math.max(0, room)))
          this.counters.droppedQueueFull += Math.max(0, messages.length - room)
          break
        }
        case 'backoff':
          this.counters.droppedDisconnected += messages.length
          break
        case 'open':
          this.write(peer, link.socket, messages)
          break
      }
    }
  }

  /**
   * Packs the messages into frames of at most `maxFrameBytes` and `maxMessagesPerFrame`, encoding
   * each message once. A leader catching up a follower hands over up to 256 appends of 1 MB in one
   * turn: encoding them as one batch to learn it was too big, then each half again, churned through
   * a gigabyte and left the leader unresponsive in a chaos run. Messages stop being sent once the
   * socket holds `maxBufferedBytes` (Raft resends what is lost); a lone message too big for any
   * frame is dropped.
   */
  private write(peer: NodeId, socket: WebSocket, messages: readonly Message[]): void {
    let parts: Uint8Array[] = []
    let bytes = ARRAY_FRAME_HEADER_BYTES
    const sendFrame = (): void => {
      socket.send(encodeArrayFrame(parts))
      this.counters.framesSent++
      this.counters.messagesSent += parts.length
      parts = []
      bytes = ARRAY_FRAME_HEADER_BYTES
    }
    for (const [i, message] of messages.entries()) {
      if (parts.length === 0 && socket.bufferedAmount > this.limits.maxBufferedBytes) {
        this.counters.droppedBackpressure += messages.length - i
        return
      }
      const encoded = encodeFrame(message)
      if (encoded.length + ARRAY_FRAME_HEADER_BYTES > this.limits.maxFrameBytes) {
        this.counters.droppedOversize++
        this.logger.warn('dropped a Raft message larger than the peer frame limit', { peer, type: message.type, bytes: encoded.length, limit: this.limits.maxFrameBytes })
        continue
      }
      if (parts.length > 0 && (bytes + encoded.length > this.limits.maxFrameBytes || parts.length === this.limits.maxMessagesPerFrame)) sendFrame()
      parts.push(encoded)
      bytes += encoded.length
    }
    if (parts.length > 0) sendFrame()
  }

  private urlOf(peer: NodeId): string | undefined {
    return this.peers.get(peer) ?? this.learned.get(peer)
  }

  /** An admitted dialer outside the peer map: answer it where it said it listens. */
  private learn(peer: NodeId, url: string | null): void {
    if (url === null || this.peers.has(peer) || this.learned.get(peer) === url) return
    if (this.learned.has(peer)) this.dropLink(peer)
    this.learned.set(peer, url)
  }

  private dial(peer: NodeId): OutgoingLink {
    const url = this.urlOf(peer)
    if (url === undefined) throw new Error(`dial: ${peer} is not a peer of ${this.self.nodeId}`)
    const socket = new WebSocket(url, { maxPayload: this.limits.maxFrameBytes, perMessageDeflate: false, ...(this.tlsCa === undefined ? {} : { ca: this.tlsCa }) })
    const cancelTimeout = this.schedule(() => {
      if (this.links.get(peer) === link && link.state === 'connecting') socket.terminate()
    }, this.limits.handshakeTimeoutMs)
    const link: OutgoingLink = { state: 'connecting', socket, queue: [], cancelTimeout }
    this.links.set(peer, link)
    let transcript: HandshakeTranscript | null = null
    socket.on('error', (err) => {
      // Every retry against a down peer fails the same way: report only the first failure in a row.
      if ((this.failures.get(peer) ?? 0) === 0) this.logger.warn('peer link failed', { peer, url, error: err.message })
    })
    socket.on('message', (data, isBinary) => {
      const current = this.links.get(peer)
      if (current === undefined || !('socket' in current) || current.socket !== socket || current.state !== 'connecting') return
      const decoded = isBinary ? decodeFrame(rawBytes(data)) : ({ ok: false, reason: 'text frame' } as const)
      const value = decoded.ok ? decoded.value : undefined
      if (transcript === null) {
        const challenge = challengeFrameSchema.safeParse(value)
        if (!challenge.success) return this.abandon(peer, socket, 'peer sent no valid challenge')
        transcript = {
          clusterId: this.self.clusterId,
          officeId: this.self.officeId,
          dialer: this.self.nodeId,
          acceptor: peer,
          acceptorNonce: challenge.data.nonce,
          dialerNonce: randomBytes(NONCE_BYTES),
        }
        let proof: Uint8Array
        try {
          proof = this.authenticator.prove('dialer', transcript)
        } catch (err) {
          return this.abandon(peer, socket, `could not prove our identity: ${err instanceof Error ? err.message : String(err)}`)
        }
        const { clusterId, officeId, nodeId } = this.self
        const advertised = this.advertisedUrl === undefined ? {} : { peerUrl: this.advertisedUrl }
        socket.send(encodeFrame({ type: 'hello', clusterId, officeId, nodeId, to: peer, nonce: transcript.dialerNonce, proof, ...advertised }))
        return
      }
      const welcome = welcomeFrameSchema.safeParse(value)
      if (!welcome.success || welcome.data.nodeId !== peer) return this.abandon(peer, socket, `peer did not welcome us as expected (is ${url} really ${peer}?)`)
      if (!this.verifyAcceptor(transcript, welcome.data.proof)) return this.abandon(peer, socket, `${peer} at ${url} failed authentication (wrong cluster secret?)`)
      current.cancelTimeout()
      const open: OutgoingLink = { state: 'open', socket, cancelPing: () => {}, awaitingPong: false }
      this.links.set(peer, open)
      this.failures.set(peer, 0)
      this.keepAlive(peer, open)
      if (current.queue.length > 0) this.write(peer, socket, current.queue)
    })
    socket.on('pong', () => {
      const current = this.links.get(peer)
      if (current?.state === 'open' && current.socket === socket) current.awaitingPong = false
    })
    socket.on('close', (code, reason) => {
      const current = this.links.get(peer)
      if (current === undefined || !('socket' in current) || current.socket !== socket) return
      if (current.state === 'connecting') current.cancelTimeout()
      else current.cancelPing()
      if (code >= 4000) this.logger.warn('peer refused our link', { peer, code, reason: reason.toString() })
      this.retryLater(peer)
    })
    return link
  }

  private keepAlive(peer: NodeId, link: Extract<OutgoingLink, { state: 'open' }>): void {
    link.cancelPing = this.schedule(() => {
      if (this.links.get(peer) !== link) return
      // A replica that was paused or starved of CPU runs its overdue timers before it reads its
      // sockets, where the answer may be waiting: judge the link only after reading them.
      if (link.awaitingPong) setImmediate(() => this.pingOrGiveUp(peer, link))
      else this.pingOrGiveUp(peer, link)
    }, this.limits.pingIntervalMs)
  }

  private pingOrGiveUp(peer: NodeId, link: Extract<OutgoingLink, { state: 'open' }>): void {
    if (this.links.get(peer) !== link) return
    if (link.awaitingPong) {
      this.logger.warn('peer link unresponsive; redialling', { peer })
      link.socket.terminate()
      return
    }
    link.awaitingPong = true
    link.socket.ping()
    this.keepAlive(peer, link)
  }

  /** The acceptor's proof in `welcome`; an authenticator that throws counts as a refusal. */
  private verifyAcceptor(transcript: HandshakeTranscript, proof: Uint8Array): boolean {
    try {
      return this.authenticator.verify('acceptor', transcript, proof)
    } catch {
      return false
    }
  }

  private abandon(peer: NodeId, socket: WebSocket, reason: string): void {
    this.logger.warn('peer handshake failed', { peer, reason })
    socket.terminate()
  }

  private retryLater(peer: NodeId): void {
    if (this.closed || this.urlOf(peer) === undefined) {
      this.links.delete(peer)
      return
    }
    const attempt = this.failures.get(peer) ?? 0
    this.failures.set(peer, attempt + 1)
    const delay = backoffDelay(attempt, this.limits.backoff, this.random)
    const cancelRetry = this.schedule(() => {
      if (this.links.get(peer) !== link || this.closed) return
      this.counters.reconnects++
      this.dial(peer)
    }, delay)
    const link: OutgoingLink = { state: 'backoff', cancelRetry }
    this.links.set(peer, link)
  }

  private dropLink(peer: NodeId): void {
    const link = this.links.get(peer)
    this.links.delete(peer)
    this.failures.delete(peer)
    if (link === undefined) return
    switch (link.state) {
      case 'connecting':
        link.cancelTimeout()
        link.socket.terminate()
        break
      case 'open':
        link.cancelPing()
        link.socket.terminate()
        break
      case 'backoff':
        link.cancelRetry()
        break
    }
  }
}
