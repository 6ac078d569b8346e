/**
 * A client for one office's replicas. It sends each call to the replica it believes leads, follows
 * NOT_LEADER redirects, moves on to other replicas when one is down or slow, and retries with the
 * SAME request id, so the replicated state machine applies a mutation at most once however many
 * times it is sent. Every call is bounded in total time and fails with an error naming the method,
 * the endpoints tried and the last error seen.
 */
import { randomBytes } from 'node:crypto'
import type { z } from 'zod'
import { backoffDelay, type BackoffPolicy } from '../rpc/backoff.js'
import { isRetryable, RpcError } from '../rpc/rpc-error.js'
import { realSchedule, type Schedule } from '../rpc/schedule.js'
import { explainFailure } from '../rpc/schema-issues.js'
import type { ClusterConfig } from '../config/cluster-config-schema.js'
import { clientTargetsOf, findOffice } from '../config/cluster-topology.js'
import { RpcConnection } from './rpc-connection.js'
import type { AuthorizationSource } from './client-authorization.js'

/** The methods a service offers: name -> params and result types. The service layer defines it. */
export type MethodMap = { readonly [method: string]: { readonly params: unknown; readonly result: unknown } }

/** Optional result validators, so the client trusts a server's answer only after checking it. */
export type ResultSchemas<M extends MethodMap> = { readonly [K in keyof M]?: z.ZodType<M[K]['result']> }

export interface ClusterClientOptions<M extends MethodMap> {
  /** Client URLs of the office's replicas (ws://host:port/client). */
  readonly endpoints: readonly string[]
  /**
   * How this client reaches each replica, by replica id. A NOT_LEADER naming a leader listed here
   * is followed to this URL rather than to the one the replica advertises, which is the leader's
   * own address and would bypass whatever this client's config routes through (a proxy, a NAT).
   */
  readonly replicaUrls?: ReadonlyMap<string, string>
  /**
   * Where the office's replicas are now, asked at the start of every call: replicas learned since
   * the client was made (an office that replaced its members) join its rotation.
   */
  readonly currentTargets?: () => { readonly endpoints: readonly string[]; readonly replicaUrls: ReadonlyMap<string, string> }
  /** Time one attempt against one replica may take. */
  readonly attemptTimeoutMs?: number
  /** Time a whole call may take, all retries included. */
  readonly callTimeoutMs?: number
  /** Pause between rounds once every known replica has failed. */
  readonly backoff?: BackoffPolicy
  /** Uniform in [0, 1): jitter and the client id. */
  readonly random?: () => number
  readonly now?: () => number
  readonly schedule?: Schedule
  readonly maxFrameBytes?: number
  /** The credential sent on each connection; by default DMS_TOKEN / DMS_TOKEN_FILE (client-authorization.ts). */
  readonly authorization?: AuthorizationSource
  /** The CA wss:// replicas must be signed by; by default DMS_CA_FILE, else the system's roots. */
  readonly ca?: Buffer | null
  readonly results?: ResultSchemas<M>
}

export interface CallOptions {
  /**
   * The idempotency key of this call. To be able to re-issue a call whose outcome is unknown (after
   * a TIMEOUT, or a process restart), give it one from the start (`newRequestId()`) and pass the
   * same one again. By default the client numbers the call itself: the office then keeps its
   * outcome only until the call ends, so such a call cannot be re-issued (its id is not reported).
   */
  readonly requestId?: string
  readonly timeoutMs?: number
}

const DEFAULT_ATTEMPT_TIMEOUT_MS = 2000
const DEFAULT_CALL_TIMEOUT_MS = 10_000
const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 25, maxMs: 500 }
/** Redirects followed in a row without a pause; past this, replicas disagree about the leader. */
const MAX_REDIRECTS_WITHOUT_PAUSE = 3

export class ClusterClient<M extends MethodMap> {
  private readonly endpoints: string[]
  private readonly replicaUrls: Map<string, string>
  private readonly currentTargets: ClusterClientOptions<M>['currentTargets']
  /** The targets last taken from `currentTargets`: the same object again means nothing new. */
  private knownTargets: ReturnType<NonNullable<ClusterClientOptions<M>['currentTargets']>> | null = null
  private readonly connections = new Map<string, RpcConnection>()
  private readonly attemptTimeoutMs: number
  private readonly callTimeoutMs: number
  private readonly backoff: BackoffPolicy
  private readonly random: () => number
  private readonly now: () => number
  private readonly schedule: Schedule
  private readonly maxFrameBytes: number | undefined
  private readonly authorization: AuthorizationSource | undefined
  private readonly ca: Buffer | null | undefined
  private readonly results: ResultSchemas<M>
  private readonly clientId: string
  private sequence = 0
  /**
   * The sequences of this client's own numbered calls still running, and the lowest it may still
   * retry: every request carries it, so the office forgets the outcomes below (client-sessions.ts).
   */
  private readonly running = new Set<number>()
  private settledBelow = 1
  /** Index into `endpoints` of the replica that answered last: the presumed leader. */
  private preferred = 0
  private closed = false

  constructor(options: ClusterClientOptions<M>) {
    if (options.endpoints.length === 0) throw new Error('ClusterClient: endpoints must list at least one replica URL')
    for (const url of options.endpoints) checkEndpoint(url)
    this.endpoints = [...new Set(options.endpoints)]
    this.replicaUrls = new Map(options.replicaUrls)
    for (const url of this.replicaUrls.values()) checkEndpoint(url)
    this.currentTargets = options.currentTargets
    this.attemptTimeoutMs = positiveMs('attemptTimeoutMs', options.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS)
    this.callTimeoutMs = positiveMs('callTimeoutMs', options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS)
    this.backoff = options.backoff ?? DEFAULT_BACKOFF
    this.random = options.random ?? Math.random
    this.now = options.now ?? Date.now
    this.schedule = options.schedule ?? realSchedule
    this.maxFrameBytes = options.maxFrameBytes
    this.authorization = options.authorization
    this.ca = options.ca
    this.results = options.results ?? {}
    // Not from the injectable `random`: two clients seeded alike would share a session.
    this.clientId = randomBytes(8).toString('hex')
  }

  /** A client for one office of a cluster config, on its replicas' /client URLs. */
  static forOffice<M extends MethodMap>(
    config: ClusterConfig,
    officeId: string,
    options: Omit<ClusterClientOptions<M>, 'endpoints'> = {},
  ): ClusterClient<M> {
    return new ClusterClient<M>({ ...options, ...clientTargetsOf(findOffice(config, officeId), config.security.tls !== null) })
  }

  /** A fresh idempotency key, for callers that want to know it before calling. */
  newRequestId(): string {
    this.sequence += 1
    return `${this.clientId}-${this.sequence}`
  }

  async call<K extends keyof M & string>(method: K, params: M[K]['params'], options: CallOptions = {}): Promise<M[K]['result']> {
    if (this.closed) throw RpcError.of('UNAVAILABLE', `${method}: the client is closed`)
    if (options.requestId !== undefined) return this.attempt(method, params, options, options.requestId, null)
    // An id the caller chose may be retried in later calls: only this client's own are numbered.
    const requestId = this.newRequestId()
    const sequence = this.sequence
    this.running.add(sequence)
    try {
      return await this.attempt(method, params, options, requestId, sequence)
    } finally {
      this.running.delete(sequence)
      while (this.settledBelow <= this.sequence && !this.running.has(this.settledBelow)) this.settledBelow += 1
    }
  }

  /** Tries replicas until one answers or the call's deadline passes; `sequence` is set for a numbered call. */
  private async attempt<K extends keyof M & string>(
    method: K,
    params: M[K]['params'],
    options: CallOptions,
    requestId: string,
    sequence: number | null,
  ): Promise<M[K]['result']> {
    const timeoutMs = options.timeoutMs === undefined ? this.callTimeoutMs : positiveMs(`${method}: timeoutMs`, options.timeoutMs)
    const deadline = this.now() + timeoutMs
    this.takeCurrentTargets()
    let target = this.endpoints[this.preferred % this.endpoints.length] ?? ''
    let failuresThisRound = 0
    let redirectsInARow = 0
    let pauses = 0
    let attempts = 0
    let lastError: RpcError | null = null
    const tried = new Set<string>()

    for (;;) {
      const remaining = deadline - this.now()
      if (remaining <= 0 || this.closed) break
      attempts += 1
      tried.add(target)
      try {
        const settledBelow = sequence === null ? undefined : this.settledBelow
        const result = await this.connection(target).request(requestId, method, params, Math.min(this.attemptTimeoutMs, remaining), settledBelow)
        this.preferred = this.indexOf(target)
        return this.checkResult(method, target, result)
      } catch (err) {
        const error = err instanceof RpcError ? err : RpcError.of('INTERNAL', `${method} to ${target}: ${String(err)}`)
        if (!isRetryable(error.code)) throw error
        lastError = error
        const redirect = error.body.code === 'NOT_LEADER' ? this.leaderTarget(error.body.details) : null
        if (redirect !== null && redirect !== target && isEndpoint(redirect) && redirectsInARow < MAX_REDIRECTS_WITHOUT_PAUSE) {
          redirectsInARow += 1
          target = redirect
          this.preferred = this.indexOf(redirect)
          continue
        }
        redirectsInARow = 0
        failuresThisRound += 1
        // Once every replica has failed this round, the office is between leaders or down: pause.
        if (failuresThisRound >= this.endpoints.length) {
          failuresThisRound = 0
          await this.sleep(Math.min(backoffDelay(pauses, this.backoff, this.random), Math.max(0, deadline - this.now())))
          pauses += 1
        }
        target = this.endpoints[(this.indexOf(target) + 1) % this.endpoints.length] ?? target
      }
    }
    const last = lastError === null ? 'no attempt completed' : `last error: ${lastError.code}: ${lastError.message}`
    throw RpcError.of('TIMEOUT', `${method} gave up after ${timeoutMs} ms and ${attempts} attempt(s) to ${[...tried].join(', ')}; ${last}`, {
      method,
      // A numbered call's id would invite a re-issue its session no longer answers for (see CallOptions).
      requestId: sequence === null ? requestId : null,
      attempts,
      endpoints: [...tried],
      lastError: lastError?.body ?? null,
    })
  }

  close(): void {
    this.closed = true
    for (const connection of this.connections.values()) connection.close()
    this.connections.clear()
  }

  /** Where a NOT_LEADER points this client: its own route to that leader when it has one. */
  private leaderTarget(details: { readonly leader: string | null; readonly leaderUrl: string | null }): string | null {
    return (details.leader === null ? undefined : this.replicaUrls.get(details.leader)) ?? details.leaderUrl
  }

  /** Replicas `currentTargets` knows and this client does not yet join its rotation (none leaves it). */
  private takeCurrentTargets(): void {
    const targets = this.currentTargets?.() ?? null
    if (targets === null || targets === this.knownTargets) return
    this.knownTargets = targets
    for (const url of targets.endpoints) {
      checkEndpoint(url)
      this.indexOf(url)
    }
    for (const [id, url] of targets.replicaUrls) {
      checkEndpoint(url)
      this.replicaUrls.set(id, url)
    }
  }

  /** A redirect may name a replica not in the initial list (added since): it joins the rotation. */
  private indexOf(url: string): number {
    const index = this.endpoints.indexOf(url)
    if (index >= 0) return index
    this.endpoints.push(url)
    return this.endpoints.length - 1
  }

  private connection(url: string): RpcConnection {
    let connection = this.connections.get(url)
    if (connection === undefined) {
      connection = new RpcConnection(url, {
        schedule: this.schedule,
        ...(this.maxFrameBytes === undefined ? {} : { maxFrameBytes: this.maxFrameBytes }),
        ...(this.authorization === undefined ? {} : { authorization: this.authorization }),
        ...(this.ca === undefined ? {} : { ca: () => this.ca ?? null }),
      })
      this.connections.set(url, connection)
    }
    return connection
  }

  private checkResult<K extends keyof M & string>(method: K, endpoint: string, result: unknown): M[K]['result'] {
    const schema = this.results[method]
    if (schema === undefined) return result as M[K]['result']
    const parsed = schema.safeParse(result)
    if (!parsed.success) throw RpcError.of('INTERNAL', `${method} from ${endpoint}: malformed result: ${explainFailure(schema, result, 'result')}`)
    return parsed.data
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.schedule(resolve, ms))
  }
}

function positiveMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`ClusterClient: ${name} must be a positive number of milliseconds, got ${value}`)
  return value
}

function isEndpoint(url: string): boolean {
  try {
    const protocol = new URL(url).protocol
    return protocol === 'ws:' || protocol === 'wss:'
  } catch {
    return false
  }
}

function checkEndpoint(url: string): void {
  if (!isEndpoint(url)) throw new Error(`ClusterClient: endpoint "${url}" is not a ws:// or wss:// URL`)
}
