/**
 * The one address of a replica that joined while the chaos run was going. A membership change
 * records a single address for the new member, and every replica dials that address (it wins over
 * their config files), so it cannot be a per-link proxy like the founders' peers are. This listener
 * is that address: before reading a byte of a connection it asks `routeFor` where the connection
 * belongs (the harness answers with the proxy of the dialing replica's link to the member, or the
 * member's real port for anyone else, e.g. a client) and relays the raw bytes there, so each
 * replica's traffic to the member still crosses its own fault proxy.
 */
import { connect, createServer, type Server, type Socket } from 'node:net'
import type { ChaosEventLog } from './chaos-event-log.js'
import type { LoopbackConnection } from './loopback-socket-owner.js'

export interface JoinedMemberFrontOptions {
  /** Names the member in the event log, e.g. "front>nyc-4". */
  readonly name: string
  /** The loopback port a connection is relayed to. */
  readonly routeFor: (connection: LoopbackConnection) => Promise<number>
  readonly log: ChaosEventLog
}

const LOOPBACK = '127.0.0.1'

export class JoinedMemberFront {
  private readonly sockets = new Set<Socket>()

  private constructor(
    private readonly options: JoinedMemberFrontOptions,
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(options: JoinedMemberFrontOptions): Promise<JoinedMemberFront> {
    // Paused on connect: nothing is read before the route is known, so nothing needs replaying.
    const server = createServer({ pauseOnConnect: true })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, LOOPBACK, () => {
        server.off('error', reject)
        resolve()
      })
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error(`${options.name}: listening socket has no port`)
    const front = new JoinedMemberFront(options, server, address.port)
    server.on('connection', (client) => void front.relay(client))
    options.log.record(options.name, 'listen', { port: address.port })
    return front
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.options.log.record(this.options.name, 'close')
  }

  private async relay(client: Socket): Promise<void> {
    this.track(client)
    const targetPort = await this.options.routeFor({ localPort: this.port, remotePort: client.remotePort ?? 0 }).catch(() => null)
    if (targetPort === null || client.destroyed) {
      client.destroy()
      return
    }
    // No Nagle: a relay must not add its own waits to the link's configured delay.
    client.setNoDelay(true)
    const upstream = connect({ host: LOOPBACK, port: targetPort, noDelay: true })
    this.track(upstream)
    // Either side failing or closing ends the other, as one connection would.
    const end = () => {
      client.destroy()
      upstream.destroy()
    }
    client.on('close', end)
    upstream.on('close', end)
    client.pipe(upstream)
    upstream.pipe(client)
    client.resume()
  }

  private track(socket: Socket): void {
    this.sockets.add(socket)
    socket.on('error', () => socket.destroy())
    socket.on('close', () => this.sockets.delete(socket))
  }
}
