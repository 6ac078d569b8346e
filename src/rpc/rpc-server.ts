/**
 * The client-path RPC server: a registry of methods with zod-validated params, attached to
 * WebSocket connections by the replica's listener. Nothing a client sends can throw out of here:
 * bad frames, unknown methods and failing handlers all become error responses.
 */
import { setMaxListeners } from 'node:events'
import type { IncomingHttpHeaders } from 'node:http'
import type { WebSocket, RawData } from 'ws'
import { z } from 'zod'
import { decodeFrame, encodeFrame, rawBytes } from './frame-codec.js'
import { clientSessionOf, MAX_METHOD_NAME_LENGTH, requestFrameSchema, requestIdSchema, type ClientSessionTag, type RequestFrame, type ResponseFrame } from './client-protocol.js'
import { RpcError, type RpcErrorBody } from './rpc-error.js'
import { stderrLogger, warnSampled, type RpcLogger } from './rpc-logger.js'
import { explainFailure } from './schema-issues.js'
import { corkUntilNextTick } from './socket-cork.js'
import { TokenBucket } from './token-bucket.js'

export interface RequestContext {
  /** Stable across the client's retries of one call: the key the state machine dedupes on. */
  readonly requestId: string
  /** Set when the caller numbers its calls: the state machine then dedupes in its session. */
  readonly clientSession: ClientSessionTag | null
  readonly method: string
  readonly connectionId: number
  readonly remoteAddress: string | null
  /** Aborted when the client's connection closes, so long handlers can give up. */
  readonly signal: AbortSignal
}

export type MethodHandler<P> = (params: P, context: RequestContext) => unknown

interface RegisteredMethod {
  readonly schema: z.ZodType
  readonly handler: MethodHandler<unknown>
  readonly observe: MethodObserver | null
}

/** Records one handled request: how long the handler took and whether it answered an error. */
export type MethodObserver = (seconds: number, failed: boolean) => void

/** Per-method request timing (metrics); asked once per method at registration, so requests only call it. */
export interface RpcObserver {
  forMethod(name: string): MethodObserver
}

/** Decides who a connection's client is and whether each of its requests may run. */
export interface RequestGate {
  connect(headers: IncomingHttpHeaders, remoteAddress: string | null): GateSession
}

export interface GateSession {
  /**
   * Whether the connection's caller is authenticated at all, asked before the method is looked up
   * or its params checked: an anonymous caller learns nothing about methods or params. null lets
   * the request on; a promise only while the credential is being looked up.
   */
  identify(method: string): RpcError | null | Promise<RpcError | null>
  /** null lets the request run; an RpcError is the refusal to answer. A promise only when state must be read. */
  admit(method: string, params: unknown): RpcError | null | Promise<RpcError | null>
}

export interface RpcServerOptions {
  /** Largest request or response frame, in bytes. */
  readonly maxFrameBytes: number
  /** Requests one connection may have running at once; more are answered OVERLOADED. */
  readonly maxInFlightPerConnection: number
  /** Unsent response bytes a connection may hold; a client that stops reading is disconnected. */
  readonly maxBufferedBytes: number
  readonly logger: RpcLogger
  /** Authentication and authorization; null lets every request through (authentication off). */
  readonly gate: RequestGate | null
  /** Sustained requests per second one connection may make (bursts up to the same number); more are answered OVERLOADED. */
  readonly maxRequestsPerSecond: number
  /** A connection with nothing in flight and no frame for this long is closed. */
  readonly idleTimeoutMs: number
  /** Open client connections; one more is closed at once (1013, try again later). */
  readonly maxConnections: number
  readonly now: () => number
  readonly observer: RpcObserver | null
}

export const DEFAULT_RPC_SERVER_OPTIONS: RpcServerOptions = {
  maxFrameBytes: 1024 * 1024,
  maxInFlightPerConnection: 256,
  maxBufferedBytes: 16 * 1024 * 1024,
  logger: stderrLogger,
  gate: null,
  maxRequestsPerSecond: 50_000,
  idleTimeoutMs: 10 * 60_000,
  maxConnections: 10_000,
  now: Date.now,
  observer: null,
}

export interface RpcServerStats {
  readonly connections: number
  readonly requests: number
  /** Frames refused before reaching a handler: undecodable, malformed, unknown method, bad params. */
  readonly rejected: number
  readonly internalErrors: number
  readonly overloaded: number
  /** Requests refused by the gate (UNAUTHENTICATED or FORBIDDEN). */
  readonly denied: number
  /** Connections closed because the client stopped reading its responses. */
  readonly slowClientsClosed: number
  /** Requests answered OVERLOADED because their connection was over its request rate. */
  readonly rateLimited: number
  readonly idleClosed: number
  /** Connections refused because the server already had `maxConnections`. */
  readonly connectionsRefused: number
}

/** Close code for a frame over the size limit (RFC 6455 "message too big"). */
export const CLOSE_FRAME_TOO_BIG = 1009
/** Close codes for an idle connection (RFC 6455 "going away") and for one over the connection limit ("try again later"). */
export const CLOSE_GOING_AWAY = 1001
export const CLOSE_TRY_AGAIN_LATER = 1013

export class RpcServer {
  private readonly options: RpcServerOptions
  private readonly methods = new Map<string, RegisteredMethod>()
  private readonly sockets = new Set<WebSocket>()
  private nextConnectionId = 1
  private readonly counters = { requests: 0, rejected: 0, internalErrors: 0, overloaded: 0, denied: 0, slowClientsClosed: 0, rateLimited: 0, idleClosed: 0, connectionsRefused: 0 }
  private readonly connections = new Set<ConnectionState>()
  private idleSweep: NodeJS.Timeout | null = null

  constructor(options: Partial<RpcServerOptions> = {}) {
    this.options = { ...DEFAULT_RPC_SERVER_OPTIONS, ...options }
  }

  /** Registers `name`; its params are validated with `schema` before `handler` sees them. */
  method<S extends z.ZodType>(name: string, schema: S, handler: MethodHandler<z.output<S>>): this {
    if (this.methods.has(name)) throw new Error(`RPC method "${name}" is registered twice`)
    if (name.length === 0 || name.length > MAX_METHOD_NAME_LENGTH) {
      throw new Error(`RPC method name "${name}" must be 1-${MAX_METHOD_NAME_LENGTH} characters, or no request could name it`)
    }
    this.methods.set(name, { schema, handler: handler as MethodHandler<unknown>, observe: this.options.observer?.forMethod(name) ?? null })
    return this
  }

  /** Every registered method's name: what the access policy must cover (test/security checks it). */
  methodNames(): readonly string[] {
    return [...this.methods.keys()]
  }

  stats(): RpcServerStats {
    return { connections: this.sockets.size, ...this.counters }
  }

  /** Serves one client WebSocket until it closes; `headers` are its upgrade request's, for the gate. */
  accept(socket: WebSocket, remoteAddress: string | null, headers: IncomingHttpHeaders = {}): void {
    if (this.sockets.size >= this.options.maxConnections) {
      this.counters.connectionsRefused++
      warnSampled(this.options.logger, 'refused a client connection: too many open', this.counters.connectionsRefused, { remoteAddress, limit: this.options.maxConnections })
      socket.close(CLOSE_TRY_AGAIN_LATER, `this replica has ${this.options.maxConnections} client connections open; try again later`)
      return
    }
    const connectionId = this.nextConnectionId++
    const inFlight = new Set<string>()
    const closed = new AbortController()
    // Each request in flight waits on this signal (a proposal, a read barrier, a long poll) and stops
    // listening when it settles: up to the in-flight limit of listeners at once is normal, not a leak.
    setMaxListeners(this.options.maxInFlightPerConnection, closed.signal)
    this.sockets.add(socket)
    socket.on('error', (err) => {
      this.options.logger.warn('client connection error', { connectionId, remoteAddress, error: err.message })
    })
    const session = this.options.gate?.connect(headers, remoteAddress) ?? null
    const rate = new TokenBucket(this.options.maxRequestsPerSecond, this.options.maxRequestsPerSecond, this.options.now)
    const connection: ConnectionState = { socket, connectionId, remoteAddress, inFlight, signal: closed.signal, session, rate, lastFrameMs: this.options.now() }
    this.connections.add(connection)
    this.startIdleSweep()
    socket.on('close', () => {
      this.sockets.delete(socket)
      this.connections.delete(connection)
      closed.abort()
    })
    socket.on('message', (data, isBinary) => {
      connection.lastFrameMs = this.options.now()
      this.guarded(connection, () => this.onFrame(connection, data, isBinary))
    })
  }

  /** Runs a step of handling a frame; only a broken registration (e.g. a schema with async checks) throws, and the node stays up. */
  private guarded(connection: ConnectionState, step: () => void): void {
    try {
      step()
    } catch (err) {
      this.counters.internalErrors++
      const message = err instanceof Error ? err.message : String(err)
      this.options.logger.warn('RPC frame handling failed', { connectionId: connection.connectionId, error: message })
      this.respond(connection, internalError(null, `the server failed on this request: ${message}`))
    }
  }

  /** Closes every client connection (the listener owns the port). */
  closeAll(): void {
    if (this.idleSweep !== null) clearInterval(this.idleSweep)
    this.idleSweep = null
    for (const socket of this.sockets) socket.terminate()
    this.sockets.clear()
    this.connections.clear()
  }

  /** One timer per server (not per connection) finds the idle ones. */
  private startIdleSweep(): void {
    if (this.idleSweep !== null) return
    this.idleSweep = setInterval(() => this.closeIdle(), Math.max(10, Math.min(this.options.idleTimeoutMs / 2, 30_000)))
    this.idleSweep.unref()
  }

  private closeIdle(): void {
    const cutoff = this.options.now() - this.options.idleTimeoutMs
    for (const connection of this.connections) {
      if (connection.inFlight.size > 0 || connection.lastFrameMs > cutoff) continue
      this.counters.idleClosed++
      this.connections.delete(connection)
      connection.socket.close(CLOSE_GOING_AWAY, `idle for more than ${this.options.idleTimeoutMs} ms`)
    }
  }

  private onFrame(connection: ConnectionState, data: RawData, isBinary: boolean): void {
    const bytes = rawBytes(data)
    if (bytes.length > this.options.maxFrameBytes) {
      this.counters.rejected++
      connection.socket.close(CLOSE_FRAME_TOO_BIG, `frame of ${bytes.length} bytes exceeds the ${this.options.maxFrameBytes}-byte limit`)
      return
    }
    if (!isBinary) {
      this.reject(connection, null, RpcError.of('BAD_REQUEST', 'text frames are not accepted: send msgpack in binary frames'))
      return
    }
    const decoded = decodeFrame(bytes)
    if (!decoded.ok) {
      this.reject(connection, null, RpcError.of('BAD_REQUEST', `frame is not valid msgpack: ${decoded.reason}`))
      return
    }
    const frame = requestFrameSchema.safeParse(decoded.value)
    if (!frame.success) {
      this.reject(connection, salvageId(decoded.value), RpcError.of('BAD_REQUEST', `malformed request: ${explainFailure(requestFrameSchema, decoded.value, '')}`))
      return
    }
    const { method: name } = frame.data
    // A retry of a request still running here is answered by the running one, never run twice.
    if (connection.inFlight.has(frame.data.id)) return
    if (!connection.rate.take()) {
      this.counters.rateLimited++
      this.respond(connection, { id: frame.data.id, error: rateLimited(this.options.maxRequestsPerSecond).body })
      return
    }
    if (connection.inFlight.size >= this.options.maxInFlightPerConnection) {
      this.counters.overloaded++
      this.respond(connection, { id: frame.data.id, error: overloaded(this.options.maxInFlightPerConnection).body })
      return
    }
    const identified = connection.session?.identify(name) ?? null
    if (identified === null) {
      this.validateAndDispatch(connection, frame.data)
      return
    }
    if (identified instanceof RpcError) {
      this.respond(connection, this.denied(frame.data.id, identified))
      return
    }
    // The credential is being looked up (a connection's first request): its slot is held meanwhile.
    const requestId = frame.data.id
    connection.inFlight.add(requestId)
    void identified.then(
      (refusal) => {
        connection.inFlight.delete(requestId)
        if (refusal === null) this.guarded(connection, () => this.validateAndDispatch(connection, frame.data))
        else this.respond(connection, this.denied(requestId, refusal))
      },
      (err: unknown) => {
        connection.inFlight.delete(requestId)
        this.counters.internalErrors++
        this.respond(connection, internalError(requestId, `${name}: could not check the caller's credential: ${err instanceof Error ? err.message : String(err)}`))
      },
    )
  }

  /** The method's params checked, then the gate and the handler. */
  private validateAndDispatch(connection: ConnectionState, frame: RequestFrame): void {
    const { id: requestId, method: name, params } = frame
    const method = this.methods.get(name)
    if (method === undefined) {
      this.reject(connection, requestId, RpcError.of('UNKNOWN_METHOD', `unknown method "${name}"`, { method: name }))
      return
    }
    const parsed = method.schema.safeParse(params)
    if (!parsed.success) {
      this.reject(connection, requestId, RpcError.of('BAD_REQUEST', `${name}: ${explainFailure(method.schema, params, 'params')}`))
      return
    }
    this.counters.requests++
    connection.inFlight.add(requestId)
    const context: RequestContext = {
      requestId,
      clientSession: clientSessionOf(requestId, frame.settledBelow),
      method: name,
      connectionId: connection.connectionId,
      remoteAddress: connection.remoteAddress,
      signal: connection.signal,
    }
    void this.dispatch(connection.session, method, parsed.data, context).then((response) => {
      connection.inFlight.delete(requestId)
      this.respond(connection, response)
    })
  }

  /** The gate first (when there is one), then the handler. */
  private dispatch(session: GateSession | null, method: RegisteredMethod, params: unknown, context: RequestContext): Promise<ResponseFrame> {
    const admitted = session === null ? null : session.admit(context.method, params)
    if (admitted === null) return this.run(method, params, context)
    if (admitted instanceof RpcError) return Promise.resolve(this.denied(context.requestId, admitted))
    return admitted.then(
      (refusal) => (refusal === null ? this.run(method, params, context) : this.denied(context.requestId, refusal)),
      (err: unknown) => {
        this.counters.internalErrors++
        return internalError(context.requestId, `${context.method}: could not check the caller's access: ${err instanceof Error ? err.message : String(err)}`)
      },
    )
  }

  private denied(requestId: string, refusal: RpcError): ResponseFrame {
    this.counters.denied++
    return { id: requestId, error: refusal.body }
  }

  private async run(method: RegisteredMethod, params: unknown, context: RequestContext): Promise<ResponseFrame> {
    const started = method.observe === null ? 0 : performance.now()
    const response = await this.answer(method, params, context)
    method.observe?.((performance.now() - started) / 1000, 'error' in response)
    return response
  }

  private async answer(method: RegisteredMethod, params: unknown, context: RequestContext): Promise<ResponseFrame> {
    try {
      const result = await method.handler(params, context)
      return { id: context.requestId, result: result === undefined ? null : result }
    } catch (err) {
      if (err instanceof RpcError) return { id: context.requestId, error: err.body }
      this.counters.internalErrors++
      const message = err instanceof Error ? err.message : String(err)
      this.options.logger.warn('RPC handler failed', { method: context.method, requestId: context.requestId, error: message })
      return { id: context.requestId, error: RpcError.of('INTERNAL', `method "${context.method}" failed: ${message}`).body }
    }
  }

  private reject(connection: ConnectionState, id: string | null, error: RpcError): void {
    this.counters.rejected++
    this.respond(connection, { id, error: error.body })
  }

  private respond(connection: ConnectionState, response: ResponseFrame): void {
    if (connection.socket.readyState !== connection.socket.OPEN) return
    let bytes: Buffer
    try {
      bytes = encodeFrame(response)
    } catch (err) {
      bytes = encodeFrame(internalError(response.id, `response could not be encoded: ${err instanceof Error ? err.message : String(err)}`))
    }
    if (bytes.length > this.options.maxFrameBytes) {
      this.counters.internalErrors++
      bytes = encodeFrame(internalError(response.id, `response of ${bytes.length} bytes exceeds the ${this.options.maxFrameBytes}-byte limit`))
    }
    corkUntilNextTick(connection.socket)
    connection.socket.send(bytes)
    if (connection.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.counters.slowClientsClosed++
      this.options.logger.warn('closed a client that stopped reading its responses', {
        connectionId: connection.connectionId,
        remoteAddress: connection.remoteAddress,
        bufferedBytes: connection.socket.bufferedAmount,
      })
      // Not close(): a close frame would queue behind the very bytes the client is not reading.
      connection.socket.terminate()
    }
  }
}

interface ConnectionState {
  readonly socket: WebSocket
  readonly connectionId: number
  readonly remoteAddress: string | null
  readonly inFlight: Set<string>
  readonly signal: AbortSignal
  readonly session: GateSession | null
  readonly rate: TokenBucket
  lastFrameMs: number
}

function rateLimited(limit: number): RpcError {
  return RpcError.of('OVERLOADED', `too many requests on this connection (limit ${limit} per second); slow down and retry`, { limit })
}

function overloaded(limit: number): RpcError {
  return RpcError.of('OVERLOADED', `too many requests in flight on this connection (limit ${limit}); retry later`, { limit })
}

function internalError(id: string | null, message: string): ResponseFrame {
  const body: RpcErrorBody = { code: 'INTERNAL', message, details: null }
  return { id, error: body }
}

/** The request's id if it has a usable one, so even a malformed request's error can be matched. */
function salvageId(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || !('id' in value)) return null
  const id = requestIdSchema.safeParse(value.id)
  return id.success ? id.data : null
}
