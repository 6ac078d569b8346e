/**
 * The one port a replica listens on. HTTP upgrades are routed by path: /client to the RPC server,
 * /peer to the peer transport; anything else is refused before a WebSocket exists. A plain GET of
 * /metrics gets the replica's Prometheus metrics, when it serves them. Each path has
 * its own WebSocketServer so each gets its own frame limit.
 */
import { createServer as createHttpServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { CLIENT_PATH, PEER_PATH } from './endpoint-urls.js'

/** `headers` are the upgrade request's: where a client's credentials are. */
export type ConnectionHandler = (socket: WebSocket, remoteAddress: string | null, headers: IncomingHttpHeaders) => void

export interface ReplicaListenerOptions {
  readonly onClient: ConnectionHandler
  readonly onPeer: ConnectionHandler
  readonly maxClientFrameBytes: number
  readonly maxPeerFrameBytes: number
  /** PEM certificate and key for wss://; null serves plain ws://. */
  readonly tls: { readonly cert: Buffer; readonly key: Buffer } | null
  /** Served to plain HTTP GETs of /metrics (Prometheus text exposition); absent: no such path. */
  readonly metrics?: MetricsEndpoint
  /**
   * How long a connection may take to send its whole HTTP request (the WebSocket upgrade or a
   * scrape); a silent or trickling one is answered 408 and closed. Default 10 s (Node's own
   * defaults, 60 s and 300 s, let slow clients hold sockets for minutes).
   */
  readonly requestTimeoutMs?: number
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000

export interface MetricsEndpoint {
  readonly contentType: string
  readonly render: () => Promise<string>
  /** Who may scrape (client authentication on): null lets the request through, else the refusal. Absent: anyone. */
  readonly admit?: (headers: IncomingHttpHeaders, remoteAddress: string | null) => Promise<string | null>
}

export const METRICS_PATH = '/metrics'

export class ReplicaListener {
  private readonly server: Server
  private readonly clientWss: WebSocketServer
  private readonly peerWss: WebSocketServer

  constructor(private readonly options: ReplicaListenerOptions) {
    const onHttp = (req: IncomingMessage, res: ServerResponse): void => {
      const metrics = options.metrics
      if (metrics !== undefined && req.method === 'GET' && (req.url ?? '').split('?')[0] === METRICS_PATH) {
        serveMetrics(metrics, req, res)
        return
      }
      res.writeHead(426, { 'content-type': 'text/plain' })
      res.end(`this port speaks WebSocket only, on ${CLIENT_PATH} and ${PEER_PATH}\n`)
    }
    const timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    const limits = { headersTimeout: timeoutMs, requestTimeout: timeoutMs, connectionsCheckingInterval: Math.min(1000, Math.max(10, timeoutMs / 4)) }
    this.server = options.tls === null ? createHttpServer(limits, onHttp) : createHttpsServer({ ...limits, handshakeTimeout: timeoutMs, ...options.tls }, onHttp)
    // maxPayload makes ws itself drop an oversized frame (close 1009) before buffering all of it.
    this.clientWss = new WebSocketServer({ noServer: true, maxPayload: options.maxClientFrameBytes })
    this.peerWss = new WebSocketServer({ noServer: true, maxPayload: options.maxPeerFrameBytes })
    this.server.on('upgrade', (req, socket, head) => this.route(req, socket, head))
  }

  /** Resolves with the bound port (useful with port 0). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(new Error(`cannot listen on ${host}:${port}: ${err.message}`))
      this.server.once('error', onError)
      this.server.listen(port, host, () => {
        this.server.off('error', onError)
        const address = this.server.address()
        resolve(typeof address === 'object' && address !== null ? address.port : port)
      })
    })
  }

  /** Stops accepting, drops every open WebSocket, and resolves once the port is released. */
  close(): Promise<void> {
    for (const wss of [this.clientWss, this.peerWss]) {
      for (const socket of wss.clients) socket.terminate()
      wss.close()
    }
    return new Promise((resolve) => {
      this.server.close(() => resolve())
      this.server.closeAllConnections()
    })
  }

  private route(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy())
    const path = (req.url ?? '').split('?')[0]
    const target =
      path === CLIENT_PATH
        ? { wss: this.clientWss, handler: this.options.onClient }
        : path === PEER_PATH
          ? { wss: this.peerWss, handler: this.options.onPeer }
          : null
    if (target === null) {
      socket.end(`HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-type: text/plain\r\n\r\nno WebSocket endpoint at ${path}; use ${CLIENT_PATH} or ${PEER_PATH}\n`)
      return
    }
    const remoteAddress = req.socket.remoteAddress ?? null
    target.wss.handleUpgrade(req, socket, head, (ws) => target.handler(ws, remoteAddress, req.headers))
  }
}

function serveMetrics(metrics: MetricsEndpoint, req: IncomingMessage, res: ServerResponse): void {
  const admitted = metrics.admit?.(req.headers, req.socket.remoteAddress ?? null) ?? Promise.resolve(null)
  admitted.then((refusal) => {
    if (refusal === null) return renderMetrics(metrics, res)
    res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="dms metrics"' })
    res.end(`/metrics needs a metrics or admin token (Authorization: Bearer ...): ${refusal}\n`)
  }, (error: Error) => {
    res.writeHead(500, { 'content-type': 'text/plain' })
    res.end(`the scrape's credential could not be checked: ${error.message}\n`)
  })
}

function renderMetrics(metrics: MetricsEndpoint, res: ServerResponse): void {
  metrics.render().then(
    (body) => {
      res.writeHead(200, { 'content-type': metrics.contentType })
      res.end(body)
    },
    (error: Error) => {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(`metrics could not be collected: ${error.message}\n`)
    },
  )
}
