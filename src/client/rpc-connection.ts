/**
 * One client WebSocket to one replica's /client path: sends requests, matches responses by id,
 * and times each request out with an error that names the method and the endpoint. It connects on
 * first use and again after the socket drops; it never retries on its own (the cluster client does).
 */
import { WebSocket } from 'ws'
import { responseFrameSchema } from '../rpc/client-protocol.js'
import { decodeFrame, encodeFrame, rawBytes } from '../rpc/frame-codec.js'
import { RpcError } from '../rpc/rpc-error.js'
import { realSchedule, type Cancel, type Schedule } from '../rpc/schedule.js'
import { corkUntilNextTick } from '../rpc/socket-cork.js'
import { authorizationFromEnvironment, type AuthorizationSource } from './client-authorization.js'
import { caFromEnvironment } from './client-trust.js'

export interface RpcConnectionOptions {
  readonly maxFrameBytes: number
  readonly schedule: Schedule
  /** The Authorization header for each new socket (asked on every connect, so it may be fresh). */
  readonly authorization: AuthorizationSource
  /** The CA that wss:// endpoints must be signed by; null: the system's trusted roots. */
  readonly ca: () => Buffer | null
}

export const DEFAULT_RPC_CONNECTION_OPTIONS: RpcConnectionOptions = {
  maxFrameBytes: 1024 * 1024,
  schedule: realSchedule,
  authorization: () => authorizationFromEnvironment(),
  ca: () => caFromEnvironment(),
}

interface PendingRequest {
  readonly method: string
  readonly resolve: (result: unknown) => void
  readonly reject: (error: RpcError) => void
  readonly cancelTimeout: Cancel
}

export class RpcConnection {
  private socket: WebSocket | null = null
  private readonly pending = new Map<string, PendingRequest>()
  /** Frames of requests made while the socket is connecting, sent in order once it opens. */
  private unsent: Array<{ readonly id: string; readonly frame: Uint8Array }> = []
  private readonly options: RpcConnectionOptions

  constructor(
    readonly url: string,
    options: Partial<RpcConnectionOptions> = {},
  ) {
    this.options = { ...DEFAULT_RPC_CONNECTION_OPTIONS, ...options }
  }

  /**
   * Resolves with the method's result, or rejects with an RpcError: the server's error, TIMEOUT
   * after `timeoutMs` (connecting included), or UNAVAILABLE when the endpoint cannot be reached.
   * `settledBelow` marks the call as one of a numbered client's (see ClientSessionTag).
   */
  request(id: string, method: string, params: unknown, timeoutMs: number, settledBelow?: number): Promise<unknown> {
    if (this.pending.has(id)) {
      return Promise.reject(RpcError.of('BAD_REQUEST', `${method}: request id "${id}" is already in flight on ${this.url}`))
    }
    const frame = encodeFrame(settledBelow === undefined ? { id, method, params } : { id, method, params, settledBelow })
    if (frame.length > this.options.maxFrameBytes) {
      return Promise.reject(
        RpcError.of('BAD_REQUEST', `${method}: request of ${frame.length} bytes exceeds the ${this.options.maxFrameBytes}-byte frame limit`),
      )
    }
    return new Promise((resolve, reject) => {
      const cancelTimeout = this.options.schedule(() => {
        this.pending.delete(id)
        reject(RpcError.of('TIMEOUT', `${method} to ${this.url} timed out after ${timeoutMs} ms`, { method, endpoint: this.url, timeoutMs }))
      }, timeoutMs)
      this.pending.set(id, { method, resolve, reject, cancelTimeout })
      const socket = this.connect()
      if (socket.readyState === WebSocket.OPEN) {
        corkUntilNextTick(socket)
        socket.send(frame)
      } else this.unsent.push({ id, frame })
    })
  }

  /** Fails every pending request and closes the socket. The connection may be used again later. */
  close(): void {
    const socket = this.socket
    this.socket = null
    this.unsent = []
    socket?.terminate()
    this.failAll((method) => RpcError.of('UNAVAILABLE', `${method} to ${this.url} abandoned: the connection was closed by the client`))
  }

  private connect(): WebSocket {
    if (this.socket !== null) return this.socket
    const authorization = this.options.authorization()
    const ca = this.options.ca()
    const socket = new WebSocket(this.url, {
      maxPayload: this.options.maxFrameBytes,
      perMessageDeflate: false,
      ...(authorization === null ? {} : { headers: { authorization } }),
      ...(ca === null ? {} : { ca }),
    })
    this.socket = socket
    let lastError: string | null = null
    socket.on('error', (err) => {
      lastError = err.message
    })
    socket.on('open', () => {
      if (this.socket !== socket) return
      const unsent = this.unsent
      this.unsent = []
      corkUntilNextTick(socket)
      // A request that timed out while the socket was still connecting is not sent at all.
      for (const { id, frame } of unsent) if (this.pending.has(id)) socket.send(frame)
    })
    socket.on('close', (code, reason) => {
      if (this.socket !== socket) return
      this.socket = null
      this.unsent = []
      const why = lastError ?? `closed with code ${code}${reason.length > 0 ? ` (${reason.toString()})` : ''}`
      this.failAll((method) => RpcError.of('UNAVAILABLE', `${method} to ${this.url} failed: ${why}`, { method, endpoint: this.url }))
    })
    socket.on('message', (data, isBinary) => {
      if (this.socket !== socket) return
      this.onFrame(socket, rawBytes(data), isBinary)
    })
    return socket
  }

  private onFrame(socket: WebSocket, bytes: Buffer, isBinary: boolean): void {
    const decoded = isBinary ? decodeFrame(bytes) : ({ ok: false, reason: 'text frame' } as const)
    const response = decoded.ok ? responseFrameSchema.safeParse(decoded.value) : null
    if (response === null || !response.success) {
      // The server broke the protocol: nothing on this socket can be trusted to match up any more.
      this.socket = null
      socket.terminate()
      this.failAll((method) => RpcError.of('INTERNAL', `${method} to ${this.url} failed: the server sent a malformed response frame`))
      return
    }
    const frame = response.data
    if (frame.id === null) return
    const request = this.pending.get(frame.id)
    if (request === undefined) return
    this.pending.delete(frame.id)
    request.cancelTimeout()
    if ('error' in frame) request.reject(new RpcError(frame.error))
    else request.resolve(frame.result)
  }

  private failAll(errorFor: (method: string) => RpcError): void {
    const requests = [...this.pending.values()]
    this.pending.clear()
    for (const request of requests) {
      request.cancelTimeout()
      request.reject(errorFor(request.method))
    }
  }
}
