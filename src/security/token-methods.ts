/**
 * The admin's token RPCs (token.create, token.revoke, token.list). The client makes the token and
 * sends only its hash, so the token itself never crosses the network nor reaches a replica; the
 * record is written through Raft like any other state, so every replica of the office can verify it.
 */
import type { KvCommand, KvResult } from '../kv/kv-command.js'
import type { KvRangeResult } from '../kv/kv-read.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { RequestContext, RpcServer } from '../rpc/rpc-server.js'
import { ROOT_TOKEN_ID } from './client-credentials.js'
import { bootstrapRevoked, decodeTokenRecord, TOKEN_KEY_PREFIX, TOKEN_PARAM_SCHEMAS, tokenKey, tokenView, type TokenRecord, type TokenTombstone } from './token-records.js'

export interface TokenMethodDeps {
  readonly proposeKv: (command: KvCommand, ctx: RequestContext) => Promise<KvResult>
  /** Linearizable read of a key prefix (a read barrier first). */
  readonly readPrefix: (prefix: string, limit: number, ctx: RequestContext) => Promise<KvRangeResult>
  readonly now: () => number
  /** Where this office's bootstrap admin token is revoked (bootstrapEntryId); null when it has no cluster secret. */
  readonly bootstrapEntryId: string | null
}

/** More tokens than an office should ever need; the list answers at most this many. */
export const MAX_TOKENS = 10_000

export function registerTokenMethods(rpc: RpcServer, deps: TokenMethodDeps): void {
  const s = TOKEN_PARAM_SCHEMAS
  rpc
    .method('token.create', s['token.create'], async (p, ctx) => {
      const record: TokenRecord = { id: p.id, hash: p.hash, grant: p.grant, label: p.label, createdAt: new Date(deps.now()).toISOString() }
      const written = await deps.proposeKv({ op: 'cas', key: tokenKey(p.id), expected: { value: null }, value: JSON.stringify(record) }, ctx)
      if (written.ok === true) return tokenView(record)
      // The same token may be here already: token sync copies it from the office the client
      // created it in first, often before the client gets here. That is this create, done.
      const stored = decodeTokenRecord(written.value)
      if (stored !== null && sameToken(stored, record)) return tokenView(stored)
      throw RpcError.of('CONFLICT', `token.create: id: token ${p.id} already exists`, { id: p.id })
    })
    .method('token.revoke', s['token.revoke'], async (p, ctx) => {
      if (p.id === ROOT_TOKEN_ID) return revokeBootstrap(deps, ctx)
      const { entries } = await deps.readPrefix(TOKEN_KEY_PREFIX, MAX_TOKENS, ctx)
      const entry = entries.find((e) => e.key === tokenKey(p.id))
      const record = entry === undefined ? null : decodeTokenRecord(entry.value)
      const live = record !== null
      if (record?.grant.role === 'admin' && bootstrapState(deps, entries) !== 'enabled' && liveAdmins(entries) === 1) {
        throw RpcError.of('CONFLICT', `token.revoke: id: token ${p.id} is the last admin credential of this office (the bootstrap admin token is revoked); create another admin token first`, { id: p.id })
      }
      // A tombstone, not a delete: other offices learn the revocation from it, and the id stays taken.
      const tombstone: TokenTombstone = { id: p.id, revokedAt: new Date(deps.now()).toISOString() }
      if (entry === undefined || live) await deps.proposeKv({ op: 'put', key: tokenKey(p.id), value: JSON.stringify(tombstone) }, ctx)
      return { id: p.id, revoked: live }
    })
    .method('token.list', s['token.list'], async (_p, ctx) => {
      const { entries } = await deps.readPrefix(TOKEN_KEY_PREFIX, MAX_TOKENS, ctx)
      const records = entries.map((entry) => decodeTokenRecord(entry.value)).filter((record) => record !== null)
      return { tokens: records.map(tokenView), bootstrap: bootstrapState(deps, entries) }
    })
}

/**
 * Disables the bootstrap admin token in this office (a tombstone under its id, which token sync
 * carries to the other offices like any revocation). Refused while no named admin token is live
 * here: afterwards only a named admin could manage tokens, and without one nobody could (short of
 * a new cluster secret).
 */
async function revokeBootstrap(deps: TokenMethodDeps, ctx: RequestContext): Promise<{ readonly id: string; readonly revoked: boolean }> {
  if (deps.bootstrapEntryId === null) throw RpcError.of('BAD_REQUEST', 'token.revoke: id: this office has no cluster secret, hence no bootstrap admin token to revoke', { id: ROOT_TOKEN_ID })
  const { entries } = await deps.readPrefix(TOKEN_KEY_PREFIX, MAX_TOKENS, ctx)
  if (bootstrapState(deps, entries) === 'revoked') return { id: ROOT_TOKEN_ID, revoked: false }
  if (liveAdmins(entries) === 0) {
    throw RpcError.of('CONFLICT', 'token.revoke: id: the bootstrap admin token is the only admin credential of this office; create a named admin token first (dms token create --admin), or nobody could manage tokens', { id: ROOT_TOKEN_ID })
  }
  const tombstone: TokenTombstone = { id: deps.bootstrapEntryId, revokedAt: new Date(deps.now()).toISOString() }
  await deps.proposeKv({ op: 'put', key: tokenKey(deps.bootstrapEntryId), value: JSON.stringify(tombstone) }, ctx)
  return { id: ROOT_TOKEN_ID, revoked: true }
}

type StoredEntries = KvRangeResult['entries']

/** The same token: id, secret hash, grant and label (each office stamps its own creation time). */
function sameToken(a: TokenRecord, b: TokenRecord): boolean {
  const sameGrant = a.grant.role === b.grant.role && (a.grant.role !== 'user' || (b.grant.role === 'user' && a.grant.user === b.grant.user))
  return a.id === b.id && a.hash === b.hash && a.label === b.label && sameGrant
}

function bootstrapState(deps: TokenMethodDeps, entries: StoredEntries): 'enabled' | 'revoked' | 'none' {
  if (deps.bootstrapEntryId === null) return 'none'
  const key = tokenKey(deps.bootstrapEntryId)
  return bootstrapRevoked(entries.find((e) => e.key === key)?.value ?? null) ? 'revoked' : 'enabled'
}

function liveAdmins(entries: StoredEntries): number {
  return entries.filter((e) => decodeTokenRecord(e.value)?.grant.role === 'admin').length
}
