/**
 * The receiving half of the peer transport: connections the other replicas of this office dialled
 * to our /peer path. It runs the acceptor's side of the handshake (challenge, hello, welcome), then
 * checks every frame: it must decode to an array of Raft messages that match the full schema, be
 * addressed to this replica and come from the peer that shook hands on that connection. Anything
 * else is counted and logged and never reaches the core; nothing here throws out of a socket event.
 *
 * Membership is decided after the proof: an authenticated replica of this cluster and office that
 * this replica does not count as a member is still admitted (it may be a leader added by entries
 * this replica has not received yet, the only one able to send them), unless this replica knows it
 * was removed from the office.
 */
import { randomBytes } from 'node:crypto'
import type { RawData, WebSocket } from 'ws'
import { z } from 'zod'
import type { Message, NodeId } from '../../raft/types.js'
import { EntrySlab } from './entry-slab.js'
import { decodeFrame, encodeFrame, rawBytes } from './frame-codec.js'
import { helloFrameSchema, NONCE_BYTES, PEER_CLOSE, type HandshakeTranscript, type PeerAuthenticator, type PeerIdentity } from './peer-handshake.js'
import { raftMessageSchema } from './raft-message-schema.js'
import { isReplicationBatch } from './replication-message-check.js'
import { warnSampled, type RpcLogger } from './rpc-logger.js'
import type { Schedule } from './schedule.js'
import { explainFailure } from './schema-issues.js'

export interface PeerInboxOptions {
  readonly self: PeerIdentity
  /** Whether a node id is currently a peer of this replica (membership changes over time). */
  readonly isPeer: (nodeId: NodeId) => boolean
  /** Whether this replica knows the node left the office: refused even with a valid proof. */
  readonly isRemoved: (nodeId: NodeId) => boolean
  /** An authenticated dialer that is not a peer was admitted, with the /peer URL its hello advertised. */
  readonly admittedUnknown: (nodeId: NodeId, peerUrl: string | null) => void
  readonly deliver: (message: Message) => void
  readonly authenticator: PeerAuthenticator
  readonly logger: RpcLogger
  readonly schedule: Schedule
  readonly handshakeTimeoutMs: number
  readonly maxMessagesPerFrame: number
}

export interface PeerInboxStats {
  framesReceived: number
  messagesReceived: number
  invalidFrames: number
}

export class PeerInbox {
  private readonly incoming = new Map<NodeId, WebSocket>()
  private readonly unauthenticated = new Set<WebSocket>()
  private readonly batchSchema: z.ZodType<Message[]>
  /** Where received entries' payloads live while the Raft log keeps them. */
  private readonly slab = new EntrySlab()
  private readonly counters: PeerInboxStats = { framesReceived: 0, messagesReceived: 0, invalidFrames: 0 }
  /** Connections refused during the handshake: counted so that a flood of them cannot flood the log. */
  private refusals = 0
  private closed = false

  constructor(private readonly options: PeerInboxOptions) {
    this.batchSchema = z.array(raftMessageSchema).min(1).max(options.maxMessagesPerFrame)
  }

  /** Serves a connection a peer dialled to this replica's /peer path. */
  accept(socket: WebSocket, remoteAddress: string | null): void {
    if (this.closed) {
      socket.terminate()
      return
    }
    this.unauthenticated.add(socket)
    const nonce = randomBytes(NONCE_BYTES)
    let peer: NodeId | null = null
    const cancelTimeout = this.options.schedule(() => {
      if (peer === null) this.refuse(socket, PEER_CLOSE.badHandshake, 'no hello within the handshake timeout', remoteAddress)
    }, this.options.handshakeTimeoutMs)
    socket.on('error', (err) => this.options.logger.warn('peer connection error', { remoteAddress, peer, error: err.message }))
    socket.on('close', () => {
      cancelTimeout()
      this.unauthenticated.delete(socket)
      if (peer !== null && this.incoming.get(peer) === socket) this.incoming.delete(peer)
    })
    socket.on('message', (data, isBinary) => {
      if (peer !== null) {
        this.receiveBatch(peer, data, isBinary)
        return
      }
      const hello = this.checkHelloSafely(nonce, data, isBinary)
      if (!hello.ok) {
        this.refuse(socket, hello.closeCode, hello.reason, remoteAddress)
        return
      }
      let proof: Uint8Array
      try {
        proof = this.options.authenticator.prove('acceptor', hello.transcript)
      } catch (err) {
        this.refuse(socket, PEER_CLOSE.unauthenticated, `cannot prove this replica's identity: ${err instanceof Error ? err.message : String(err)}`, remoteAddress)
        return
      }
      cancelTimeout()
      peer = hello.transcript.dialer
      if (!hello.member) {
        this.options.logger.warn('admitted an authenticated peer this replica does not know as a member yet', { remoteAddress, peer, peerUrl: hello.peerUrl })
        this.options.admittedUnknown(peer, hello.peerUrl)
      }
      this.unauthenticated.delete(socket)
      const previous = this.incoming.get(peer)
      if (previous !== undefined) previous.close(PEER_CLOSE.replaced, 'replaced by a newer connection from the same peer')
      this.incoming.set(peer, socket)
      socket.send(encodeFrame({ type: 'welcome', nodeId: this.options.self.nodeId, proof }))
    })
    socket.send(encodeFrame({ type: 'challenge', nonce }))
  }

  /** Closes the connection from a node that is no longer a peer. */
  disconnect(peer: NodeId, code: number, reason: string): void {
    this.incoming.get(peer)?.close(code, reason)
  }

  /** The nodes with an authenticated connection to this replica. */
  connectedPeers(): NodeId[] {
    return [...this.incoming.keys()]
  }

  stats(): PeerInboxStats {
    return { ...this.counters }
  }

  close(): void {
    this.closed = true
    for (const socket of this.incoming.values()) socket.terminate()
    for (const socket of this.unauthenticated) socket.terminate()
    this.incoming.clear()
    this.unauthenticated.clear()
  }

  /** A failing authenticator refuses the peer rather than taking the node down. */
  private checkHelloSafely(nonce: Uint8Array, data: RawData, isBinary: boolean): HelloCheck {
    try {
      return this.checkHello(nonce, data, isBinary)
    } catch (err) {
      return { ok: false, closeCode: PEER_CLOSE.unauthenticated, reason: `authentication failed: ${err instanceof Error ? err.message : String(err)}` }
    }
  }

  private checkHello(
    nonce: Uint8Array,
    data: RawData,
    isBinary: boolean,
  ): HelloCheck {
    const decoded = isBinary ? decodeFrame(rawBytes(data)) : ({ ok: false, reason: 'text frame' } as const)
    if (!decoded.ok) return { ok: false, closeCode: PEER_CLOSE.badHandshake, reason: `hello is not valid msgpack: ${decoded.reason}` }
    const hello = helloFrameSchema.safeParse(decoded.value)
    if (!hello.success) return { ok: false, closeCode: PEER_CLOSE.badHandshake, reason: `malformed hello: ${explainFailure(helloFrameSchema, decoded.value, 'hello')}` }
    const frame = hello.data
    const self = this.options.self
    if (frame.clusterId !== self.clusterId) return wrongPeer(`hello from cluster "${frame.clusterId}", this is cluster "${self.clusterId}"`)
    if (frame.officeId !== self.officeId) return wrongPeer(`hello from office "${frame.officeId}", this replica serves office "${self.officeId}"`)
    if (frame.to !== self.nodeId) return wrongPeer(`hello meant for "${frame.to}", this is "${self.nodeId}"`)
    const transcript: HandshakeTranscript = {
      clusterId: frame.clusterId,
      officeId: frame.officeId,
      dialer: frame.nodeId,
      acceptor: self.nodeId,
      acceptorNonce: nonce,
      dialerNonce: frame.nonce,
    }
    if (!this.options.authenticator.verify('dialer', transcript, frame.proof)) {
      return { ok: false, closeCode: PEER_CLOSE.unauthenticated, reason: `"${frame.nodeId}" failed authentication (wrong cluster secret?)` }
    }
    // Only a proven replica learns what this one thinks of its membership.
    const member = this.options.isPeer(frame.nodeId)
    if (!member && this.options.isRemoved(frame.nodeId)) return wrongPeer(`"${frame.nodeId}" was removed from office "${self.officeId}"`)
    return { ok: true, transcript, member, peerUrl: frame.peerUrl ?? null }
  }

  private refuse(socket: WebSocket, code: number, reason: string, remoteAddress: string | null): void {
    warnSampled(this.options.logger, 'refused a peer connection', ++this.refusals, { remoteAddress, code, reason })
    // Close reasons are limited to 123 bytes by the protocol.
    socket.close(code, reason.slice(0, 120))
  }

  private receiveBatch(peer: NodeId, data: RawData, isBinary: boolean): void {
    this.counters.framesReceived++
    const batch = this.validateBatch(peer, data, isBinary)
    if (typeof batch === 'string') {
      this.counters.invalidFrames++
      warnSampled(this.options.logger, 'dropped an invalid peer frame', this.counters.invalidFrames, { peer, problem: batch })
      return
    }
    this.counters.messagesReceived += batch.length
    for (const message of batch) {
      try {
        this.options.deliver(message)
      } catch (err) {
        this.options.logger.warn('the Raft core failed on a peer message', { peer, type: message.type, error: err instanceof Error ? err.message : String(err) })
      }
    }
  }

  /** The frame's messages, or why the frame is refused. */
  private validateBatch(peer: NodeId, data: RawData, isBinary: boolean): Message[] | string {
    if (!isBinary) return 'text frame'
    const decoded = decodeFrame(rawBytes(data))
    if (!decoded.ok) return `not valid msgpack: ${decoded.reason}`
    const messages = isReplicationBatch(decoded.value, this.options.maxMessagesPerFrame) ? decoded.value : this.parseBatch(decoded.value)
    if (typeof messages === 'string') return messages
    for (const [i, message] of messages.entries()) {
      if (message.to !== this.options.self.nodeId) return `batch[${i}].to: "${message.to}" is not this replica ("${this.options.self.nodeId}")`
      if (message.from !== peer) return `batch[${i}].from: "${message.from}" arrived on the connection of "${peer}"`
    }
    return this.slab.adopt(messages)
  }

  /** The full schema: every other message type, and the words for whatever is wrong. */
  private parseBatch(value: unknown): Message[] | string {
    const batch = this.batchSchema.safeParse(value)
    return batch.success ? batch.data : explainFailure(this.batchSchema, value, 'batch')
  }
}


type HelloCheck =
  | { ok: true; transcript: HandshakeTranscript; member: boolean; peerUrl: string | null }
  | { ok: false; closeCode: number; reason: string }

function wrongPeer(reason: string): HelloCheck {
  return { ok: false, closeCode: PEER_CLOSE.wrongPeer, reason }
}
