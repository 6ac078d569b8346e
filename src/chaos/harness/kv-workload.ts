/**
 * The KV register workload: in every office, concurrent clients put, get and compare-and-set a
 * few hundred keys with values unique to each write, recording every operation with its call and
 * return times and outcome. After quiescence, one linearizable read of every touched key joins the
 * history; the histories then go to the linearizability and lost-write checks.
 */
import type { ClusterClient } from '../../client/cluster-client.js'
import type { KvResult } from '../../kv/kv-command.js'
import type { OfficeMethods } from '../../office/office-api.js'
import { RpcError, type RpcErrorCode } from '../../rpc/rpc-error.js'
import type { KvHistoryOp } from '../linearizability/kv-history.js'
import type { Random } from '../seeded-random.js'
import type { CheckFindings } from './chaos-checks.js'
import type { AcknowledgedWrite, ChaosWorkload, OpCounts } from './chaos-workload.js'
import { checkOfficeHistories } from './kv-linearizability-check.js'
import { findLostAcknowledgedWrites } from './lost-writes-check.js'

export interface KvWorkloadOptions {
  readonly offices: readonly string[]
  /**
   * A new client of one office that first tries its `firstReplica`-th replica. Each workload
   * client reads through a client starting at a different replica: replicas serve linearizable
   * reads wherever they are asked (followers through ReadIndex), and reads only go to the leader
   * after a failure, so reads are spread over followers too. Writes are redirected to the leader.
   */
  readonly clientFor: (office: string, firstReplica: number) => KvCaller
  readonly clientsPerOffice: number
  readonly keysPerOffice: number
  readonly random: Random
  /** Monotonic milliseconds, the clock of every recorded time. */
  readonly now: () => number
  /** A key's linearizability search gives up (unknown) after this. */
  readonly perKeyCheckLimitMs: number
}

/** Errors that prove the request was refused before it could take effect. */
const DEFINITE_FAILURES: ReadonlySet<RpcErrorCode> = new Set(['BAD_REQUEST', 'UNKNOWN_METHOD', 'FORBIDDEN', 'UNAUTHENTICATED', 'NOT_FOUND'])
const FINAL_READ_ATTEMPTS = 5
const FINAL_READER = 'final-reader'

/** The part of an office client the workload uses (tests substitute in-memory stores). */
export type KvCaller = Pick<ClusterClient<OfficeMethods>, 'call'>

type KvRequest =
  | { readonly kind: 'get' }
  | { readonly kind: 'put'; readonly value: string }
  | { readonly kind: 'cas'; readonly expected: string | null; readonly value: string }

type Outcome = { readonly status: 'ok'; readonly result: KvResult } | { readonly status: 'fail' | 'info' }

function historyEntry(
  base: { readonly id: string; readonly client: string; readonly key: string; readonly calledAt: number },
  request: KvRequest,
  outcome: Outcome,
  returnedAt: number,
): KvHistoryOp {
  switch (request.kind) {
    case 'get':
      return { ...base, kind: 'get', outcome: outcome.status === 'ok' ? { status: 'ok', returnedAt, value: outcome.result.value } : { status: outcome.status, returnedAt } }
    case 'put':
      return { ...base, kind: 'put', value: request.value, outcome: { status: outcome.status, returnedAt } }
    case 'cas':
      return {
        ...base,
        kind: 'cas',
        expected: request.expected,
        value: request.value,
        outcome: outcome.status === 'ok' ? { status: 'ok', returnedAt, swapped: outcome.result.ok === true } : { status: outcome.status, returnedAt },
      }
  }
}

export class KvWorkload implements ChaosWorkload {
  readonly name = 'kv'
  readonly exercises = ['linearizable', 'lostAcknowledgedWrites'] as const
  private readonly histories = new Map<string, KvHistoryOp[]>()
  private readonly finalValues = new Map<string, Map<string, string | null>>()
  private readonly unreadKeys: string[] = []
  private running = false
  private clients: Array<Promise<void>> = []

  constructor(private readonly options: KvWorkloadOptions) {
    for (const office of options.offices) this.histories.set(office, [])
  }

  start(): void {
    this.running = true
    this.clients = this.options.offices.flatMap((office) =>
      Array.from({ length: this.options.clientsPerOffice }, (_, index) => this.runClient(office, index)),
    )
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.clients)
  }

  async settle(): Promise<void> {
    for (const office of this.options.offices) {
      const history = this.history(office)
      const keys = [...new Set(history.map((op) => op.key))].sort()
      const client = this.options.clientFor(office, 0)
      const values = new Map<string, string | null>()
      for (const key of keys) {
        for (let attempt = 1; attempt <= FINAL_READ_ATTEMPTS; attempt++) {
          const outcome = await this.record(history, FINAL_READER, `${office}.final.${key}.${attempt}`, key, { kind: 'get' }, client)
          if (outcome.status === 'ok') {
            values.set(key, outcome.result.value)
            break
          }
          if (attempt === FINAL_READ_ATTEMPTS) this.unreadKeys.push(`${office}/${key}`)
        }
      }
      this.finalValues.set(office, values)
    }
  }

  counts(): OpCounts {
    let attempted = 0
    let acknowledged = 0
    let failed = 0
    let indeterminate = 0
    for (const history of this.histories.values()) {
      for (const op of history) {
        if (op.client === FINAL_READER) continue
        attempted++
        if (op.outcome.status === 'ok') acknowledged++
        else if (op.outcome.status === 'fail') failed++
        else indeterminate++
      }
    }
    return { attempted, acknowledged, failed, indeterminate }
  }

  completions(): ReadonlyArray<AcknowledgedWrite & { readonly write: boolean }> {
    return [...this.histories].flatMap(([office, history]) =>
      history.flatMap((op) =>
        op.outcome.status === 'ok' && op.client !== FINAL_READER
          ? [{ office, returnedAtMs: op.outcome.returnedAt, write: op.kind !== 'get' && (op.kind !== 'cas' || op.outcome.swapped) }]
          : [],
      ),
    )
  }

  async check(): Promise<CheckFindings> {
    const linearizability = checkOfficeHistories(this.histories, { perKeyTimeLimitMs: this.options.perKeyCheckLimitMs, now: this.options.now })
    const lost = this.options.offices.flatMap((office) =>
      findLostAcknowledgedWrites(this.history(office), this.finalValues.get(office) ?? new Map()).map((write) => ({ office, ...write })),
    )
    return {
      ...linearizability,
      lostAcknowledgedWrites: lost.length,
      // Keys the cluster would not read back after quiescing cannot be judged: the cluster did not settle.
      ...(this.unreadKeys.length > 0 ? { quiesced: false } : {}),
      problems: [
        ...(linearizability.problems ?? []),
        ...lost.map((write) => `office ${write.office}: acknowledged ${write.opId} wrote ${JSON.stringify(write.value)} to ${JSON.stringify(write.key)}, but the final read saw ${JSON.stringify(write.finalValue)}, written before it`),
        ...(this.unreadKeys.length > 0 ? [`final reads failed for ${this.unreadKeys.length} key(s) after quiescence: ${this.unreadKeys.slice(0, 5).join(', ')}`] : []),
      ],
    }
  }

  /** The recorded operations of one office (final reads included), in return order. */
  history(office: string): KvHistoryOp[] {
    const history = this.histories.get(office)
    if (history === undefined) throw new RangeError(`the KV workload does not run in office "${office}"`)
    return history
  }

  private async runClient(office: string, index: number): Promise<void> {
    const name = `${office}.c${index}`
    const { random, keysPerOffice } = this.options
    const writer = this.options.clientFor(office, 0)
    const reader = this.options.clientFor(office, index)
    const history = this.history(office)
    // The value this client last saw or wrote per key: what its compare-and-sets expect.
    const seen = new Map<string, string | null>()
    for (let n = 0; this.running; n++) {
      const key = `k${random.int(0, keysPerOffice - 1)}`
      const value = `${name}.${n}`
      const roll = random.next()
      const request: KvRequest =
        roll < 0.4 ? { kind: 'get' } : roll < 0.75 ? { kind: 'put', value } : { kind: 'cas', expected: seen.get(key) ?? null, value }
      const outcome = await this.record(history, name, `${name}.${n}`, key, request, request.kind === 'get' ? reader : writer)
      if (outcome.status === 'ok') seen.set(key, outcome.result.value)
    }
  }

  /** Runs one request and appends it, with its times and outcome, to the history (in return order). */
  private async record(
    history: KvHistoryOp[],
    client: string,
    id: string,
    key: string,
    request: KvRequest,
    rpc: KvCaller,
  ): Promise<Outcome> {
    const calledAt = this.options.now()
    let outcome: Outcome
    try {
      const result =
        request.kind === 'get'
          ? await rpc.call('kv.get', { key })
          : request.kind === 'put'
            ? await rpc.call('kv.put', { key, value: request.value })
            : await rpc.call('kv.cas', { key, expected: { value: request.expected }, value: request.value })
      outcome = { status: 'ok', result }
    } catch (error) {
      outcome = { status: error instanceof RpcError && DEFINITE_FAILURES.has(error.code) ? 'fail' : 'info' }
    }
    const returnedAt = this.options.now()
    history.push(historyEntry({ id, client, key, calledAt }, request, outcome, returnedAt))
    return outcome
  }
}
