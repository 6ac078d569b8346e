/**
 * Keeps the offices' token stores the same: every office's leader asks every other office for its
 * token entries and merges them into its own through Raft. An office added after tokens were made
 * learns them on its first passes, and a revocation made anywhere reaches every office.
 *
 * The merge is a join, so offices converge whatever order passes run in: per id, absent < live
 * < revoked. A live record is copied only where the id is absent; a tombstone replaces anything.
 * Each write is a compare-and-set on what was read, so a concurrent create or revoke is never lost
 * (the next pass looks again). Offices whose stores agree exchange one digest and nothing more.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { ClusterClient } from '../client/cluster-client.js'
import type { KvCommand, KvResult } from '../kv/kv-command.js'
import { warnSampled, type RpcLogger } from '../rpc/rpc-logger.js'
import type { RequestContext, RpcServer } from '../rpc/rpc-server.js'
import { MAX_TOKENS } from './token-methods.js'
import { TOKEN_KEY_PREFIX, tokenEntryState } from './token-records.js'

export interface TokenEntry {
  readonly key: string
  readonly value: string
}

const digestHex = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a SHA-256 digest: 64 hex digits' })

export const TOKEN_SYNC_PARAM_SCHEMAS = {
  /** Another office's leader asks for this office's token entries unless its own digest says it has them. */
  'token.entries': z.strictObject({ digest: digestHex }),
} as const

export type TokenSyncMethods = {
  readonly 'token.entries': {
    readonly params: z.input<(typeof TOKEN_SYNC_PARAM_SCHEMAS)['token.entries']>
    /** `entries` is null when the caller's digest matched (it has the same tokens). */
    readonly result: { readonly digest: string; readonly entries: readonly TokenEntry[] | null }
  }
}

export interface TokenSyncDeps {
  readonly officeId: string
  /** Every office this node knows, including ones added while it runs. */
  readonly officeIds: () => readonly string[]
  readonly office: (officeId: string) => Pick<ClusterClient<TokenSyncMethods>, 'call'>
  readonly leaderTerm: () => number | null
  /** This replica's token entries from its applied state (the caller answers after a read barrier). */
  readonly readEntries: () => Promise<readonly TokenEntry[]>
  readonly readBarrier: (ctx: RequestContext) => Promise<void>
  readonly proposeKv: (command: KvCommand, requestId: string) => Promise<KvResult>
  readonly passIntervalMs: number
  readonly logger: RpcLogger
}

const CALL_TIMEOUT_MS = 5000

export class TokenSync {
  private timer: NodeJS.Timeout | null = null
  private passing = false
  private passes = 0
  private failures = 0

  constructor(private readonly deps: TokenSyncDeps) {}

  register(rpc: RpcServer): void {
    rpc.method('token.entries', TOKEN_SYNC_PARAM_SCHEMAS['token.entries'], async (p, ctx) => {
      await this.deps.readBarrier(ctx)
      const entries = await this.deps.readEntries()
      const digest = tokenDigest(entries)
      return { digest, entries: digest === p.digest ? null : entries }
    })
  }

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.deps.passIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
  }

  /** One pass at a time, and only on the leader: pull every other office's tokens and merge them. */
  private async pass(): Promise<void> {
    if (this.passing || this.deps.leaderTerm() === null) return
    this.passing = true
    this.passes += 1
    try {
      for (const office of this.deps.officeIds()) {
        if (office === this.deps.officeId) continue
        await this.pullFrom(office).catch((error: Error) => {
          this.failures += 1
          warnSampled(this.deps.logger, 'token sync with an office failed; the next pass retries', this.failures, { office, error: error.message })
        })
      }
    } finally {
      this.passing = false
    }
  }

  private async pullFrom(office: string): Promise<void> {
    const local = await this.deps.readEntries()
    const answer = await this.deps.office(office).call('token.entries', { digest: tokenDigest(local) }, { requestId: `token.entries.${this.deps.officeId}.${this.passes}`, timeoutMs: CALL_TIMEOUT_MS })
    if (answer.entries === null) return
    const mine = new Map(local.map((e) => [e.key, e.value]))
    for (const incoming of answer.entries.slice(0, MAX_TOKENS)) {
      const current = mine.get(incoming.key) ?? null
      if (!incoming.key.startsWith(TOKEN_KEY_PREFIX) || !mergeReplaces(current, incoming.value)) continue
      // Deterministic id: a retried proposal of the same change is applied once.
      const requestId = `token.merge.${createHash('sha256').update(`${incoming.key}\n${current ?? ''}\n${incoming.value}`).digest('hex').slice(0, 32)}`
      await this.deps.proposeKv({ op: 'cas', key: incoming.key, expected: { value: current }, value: incoming.value }, requestId)
    }
  }
}

/** Whether another office's entry replaces this office's (null: absent here). */
export function mergeReplaces(current: string | null, incoming: string): boolean {
  const next = tokenEntryState(incoming)
  if (next.kind === 'unreadable') return false
  if (current === null) return true
  return next.kind === 'revoked' && tokenEntryState(current).kind !== 'revoked'
}

/**
 * What two offices compare to see whether they hold the same tokens: ids with their state and
 * hash, not the creation time each office stamped on its own copy.
 */
export function tokenDigest(entries: readonly TokenEntry[]): string {
  const lines = entries
    .map((e) => {
      const state = tokenEntryState(e.value)
      return state.kind === 'live' ? `${e.key} live ${state.record.hash}` : state.kind === 'revoked' ? `${e.key} revoked` : null
    })
    .filter((line) => line !== null)
    .sort()
  return createHash('sha256').update(lines.join('\n')).digest('hex')
}
