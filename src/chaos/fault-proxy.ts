import { createServer, connect, type Server, type Socket } from 'node:net'
import type { ChaosClock, ChaosEventLog } from './chaos-event-log.js'
import { LinkPipe } from './link-pipe.js'
import { CLEAR_LINK, LinkShapeError, validateLinkShape, type LinkShape } from './link-shape.js'
import type { Random } from './seeded-random.js'
import { NO_HANDSHAKE, WebSocketFrameSplitter, type HandshakeMessages, type StreamUnit } from './websocket-frame-splitter.js'

/**
 * A TCP proxy on 127.0.0.1 for one directed peer link: whoever dials `port` is connected to
 * `targetPort`, and the bytes of both directions cross the link under its current `LinkShape`.
 * Every change is recorded in the event log.
 */
export interface FaultProxyOptions {
  /** Names the link in the event log, e.g. "nyc-1>lon-2". */
  readonly name: string
  readonly targetPort: number
  /** 0 (the default) for an ephemeral port. */
  readonly listenPort?: number
  /** `websocket` cuts the streams at frame boundaries (required for duplication); `raw` passes chunks. */
  readonly protocol: 'websocket' | 'raw'
  readonly random: Random
  readonly clock: ChaosClock
  readonly log: ChaosEventLog
  /** WebSocket frames larger than this are not buffered whole (the stream turns raw). Default 16 MiB. */
  readonly maxFrameBytes?: number
  /** Leading messages of each connection that belong to the application's handshake: never duplicated. */
  readonly handshakeMessages?: HandshakeMessages
}

export interface FaultProxyStats {
  readonly connectionsAccepted: number
  readonly openConnections: number
  readonly framesDuplicated: number
}

const LOOPBACK = '127.0.0.1'

interface ProxiedConnection {
  readonly client: Socket
  readonly upstream: Socket
  readonly pipes: readonly [LinkPipe, LinkPipe]
}

export class FaultProxy {
  private current: LinkShape = CLEAR_LINK
  private readonly connections = new Set<ProxiedConnection>()
  private accepted = 0
  private duplicated = 0

  private constructor(
    private readonly options: FaultProxyOptions,
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    if (!Number.isInteger(options.targetPort) || options.targetPort <= 0 || options.targetPort > 65535) {
      throw new RangeError(`proxy ${options.name}: target port must be a TCP port, got ${options.targetPort}`)
    }
    // Half-open: a FIN from one side is passed on in order (after delayed bytes), not answered at once.
    const server = createServer({ allowHalfOpen: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.listenPort ?? 0, LOOPBACK, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error(`proxy ${options.name}: listening socket has no port`)
    const proxy = new FaultProxy(options, server, address.port)
    server.on('connection', (client) => proxy.adopt(client))
    options.log.record(options.name, 'listen', { port: address.port, targetPort: options.targetPort })
    return proxy
  }

  get shape(): LinkShape {
    return this.current
  }

  get stats(): FaultProxyStats {
    return { connectionsAccepted: this.accepted, openConnections: this.connections.size, framesDuplicated: this.duplicated }
  }

  /** Applies new conditions to every current and future connection of this link. */
  setShape(shape: LinkShape): void {
    this.checkShape(shape)
    if (sameShape(shape, this.current)) return
    this.current = shape
    this.options.log.record(this.options.name, 'shape', { ...shape })
    for (const connection of this.connections) for (const pipe of connection.pipes) pipe.reshape()
  }

  /** Throws a `LinkShapeError` naming the link if this link cannot take `shape`. */
  checkShape(shape: LinkShape): void {
    validateLinkShape(shape, this.options.name)
    if (shape.duplicateProbability > 0 && this.options.protocol !== 'websocket') {
      throw new LinkShapeError(
        `link ${this.options.name}: duplication needs protocol "websocket" (re-sending raw TCP bytes would corrupt the stream)`,
      )
    }
  }

  /** Kills every open connection with a TCP reset, as a crashed peer or middlebox would. */
  resetConnections(): void {
    this.options.log.record(this.options.name, 'reset', { connections: this.connections.size })
    for (const connection of [...this.connections]) this.drop(connection)
  }

  async close(): Promise<void> {
    for (const connection of [...this.connections]) this.drop(connection)
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.options.log.record(this.options.name, 'close')
  }

  private adopt(client: Socket): void {
    this.accepted++
    // No Nagle on either side: the link's delay is the configured one, not an extra wait for the
    // ACK of the previous write (with delayed ACKs, up to 40 ms whenever a message leaves in pieces).
    client.setNoDelay(true)
    const upstream = connect({ host: LOOPBACK, port: this.options.targetPort, allowHalfOpen: true, noDelay: true })
    const shape = () => this.current
    const countDuplicate = () => this.duplicated++
    const forward = new LinkPipe(client, upstream, shape, this.options.clock, this.options.random, countDuplicate)
    const backward = new LinkPipe(upstream, client, shape, this.options.clock, this.options.random, countDuplicate)
    const connection: ProxiedConnection = { client, upstream, pipes: [forward, backward] }
    this.connections.add(connection)
    this.wire(client, forward)
    this.wire(upstream, backward)
    let closed = 0
    const onClose = () => {
      if (++closed === 2) this.forget(connection)
    }
    client.on('close', onClose)
    upstream.on('close', onClose)
    for (const pipe of connection.pipes) pipe.reshape()
  }

  private wire(source: Socket, pipe: LinkPipe): void {
    const splitter =
      this.options.protocol === 'websocket'
        ? new WebSocketFrameSplitter(this.options.maxFrameBytes ?? 16 * 1024 * 1024, this.options.handshakeMessages ?? NO_HANDSHAKE)
        : null
    source.on('data', (chunk: Buffer) => {
      const units: StreamUnit[] = splitter === null ? [{ bytes: chunk, duplicable: false }] : splitter.push(chunk)
      if (units.length > 0) pipe.accept(units)
    })
    source.on('end', () => pipe.sourceEnded('graceful'))
    // Errors (a refused upstream, a reset) end the stream abruptly, in order, like a close would.
    source.on('error', () => pipe.sourceEnded('abort'))
  }

  private drop(connection: ProxiedConnection): void {
    for (const pipe of connection.pipes) pipe.stop()
    connection.client.resetAndDestroy()
    connection.upstream.resetAndDestroy()
    this.forget(connection)
  }

  private forget(connection: ProxiedConnection): void {
    for (const pipe of connection.pipes) pipe.stop()
    this.connections.delete(connection)
  }
}

function sameShape(a: LinkShape, b: LinkShape): boolean {
  return (
    a.blackhole === b.blackhole &&
    a.delayMs === b.delayMs &&
    a.jitterMs === b.jitterMs &&
    a.bytesPerSecond === b.bytesPerSecond &&
    a.duplicateProbability === b.duplicateProbability
  )
}
