/**
 * How API tokens live in an office's replicated state: one KV entry per token under a reserved
 * prefix, keyed by the token's public id and holding only the SHA-256 of the token, so any replica
 * can verify a token and none can reveal one. `dms token create` stores a token in every office;
 * a revoked token's entry becomes a tombstone, so the revocation travels between offices like the
 * token did (token-sync.ts) and the id is never made live again.
 */
import { z } from 'zod'
import { personId } from '../calendar-service/calendar-api.js'
import { BOOTSTRAP_ENTRY_PATTERN, ROOT_TOKEN_ID, TOKEN_ID_PATTERN } from './client-credentials.js'

export const TOKEN_KEY_PREFIX = 'dms.tokens/'

export function tokenKey(id: string): string {
  return `${TOKEN_KEY_PREFIX}${id}`
}

export const tokenId = z.string({ error: 'expected a token id' }).regex(TOKEN_ID_PATTERN, { error: 'expected a token id: 12 hex digits' })
/** What `token.revoke` takes: a token's id, or "root" for the bootstrap admin token of the office's current secret. */
export const revocableTokenId = z
  .string({ error: 'expected a token id' })
  .refine((id) => TOKEN_ID_PATTERN.test(id) || id === ROOT_TOKEN_ID, { error: `expected a token id: 12 hex digits, or "${ROOT_TOKEN_ID}" for the bootstrap admin token` })
const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, { error: 'expected a SHA-256 hash: 64 hex digits' })
const label = z.string().max(100, { error: 'expected a label of at most 100 characters' })

/** Who a token speaks for: an admin, one user (who may act only as that user), or a metrics scraper (GET /metrics, no RPC). */
export const tokenGrantSchema = z.discriminatedUnion('role', [
  z.strictObject({ role: z.literal('admin') }),
  z.strictObject({ role: z.literal('user'), user: personId }),
  z.strictObject({ role: z.literal('metrics') }),
])

export const tokenRecordSchema = z.strictObject({
  id: tokenId,
  hash: sha256Hex,
  grant: tokenGrantSchema,
  label,
  createdAt: z.string(),
})

/** What a revoked token's entry holds instead of its record: no hash, so nothing verifies against it. */
/** A revoked token's id, or the entry id of a revoked bootstrap admin token (see bootstrapEntryId). */
const tombstoneId = z.string().refine((id) => TOKEN_ID_PATTERN.test(id) || BOOTSTRAP_ENTRY_PATTERN.test(id), { error: 'expected a token id or a bootstrap entry id' })
export const tokenTombstoneSchema = z.strictObject({ id: tombstoneId, revokedAt: z.string() })

export type TokenGrant = z.output<typeof tokenGrantSchema>
export type TokenRecord = z.output<typeof tokenRecordSchema>
export type TokenTombstone = z.output<typeof tokenTombstoneSchema>

/** A stored token entry: a live token, a revoked one, or text that is neither (ignored everywhere). */
export type TokenEntryState = { readonly kind: 'live'; readonly record: TokenRecord } | { readonly kind: 'revoked'; readonly tombstone: TokenTombstone } | { readonly kind: 'unreadable' }

export function tokenEntryState(text: string): TokenEntryState {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return { kind: 'unreadable' }
  }
  const live = tokenRecordSchema.safeParse(parsed)
  if (live.success) return { kind: 'live', record: live.data }
  const revoked = tokenTombstoneSchema.safeParse(parsed)
  return revoked.success ? { kind: 'revoked', tombstone: revoked.data } : { kind: 'unreadable' }
}

export const TOKEN_PARAM_SCHEMAS = {
  'token.create': z.strictObject({ id: tokenId, hash: sha256Hex, grant: tokenGrantSchema, label: label.default('') }),
  'token.revoke': z.strictObject({ id: revocableTokenId }),
  'token.list': z.strictObject({}),
} as const

export type TokenView = Omit<TokenRecord, 'hash'>

export type TokenMethods = {
  readonly 'token.create': { readonly params: z.input<(typeof TOKEN_PARAM_SCHEMAS)['token.create']>; readonly result: TokenView }
  readonly 'token.revoke': { readonly params: z.input<(typeof TOKEN_PARAM_SCHEMAS)['token.revoke']>; readonly result: { readonly id: string; readonly revoked: boolean } }
  readonly 'token.list': {
    readonly params: z.input<(typeof TOKEN_PARAM_SCHEMAS)['token.list']>
    /** `bootstrap`: whether this office accepts the bootstrap admin token of its current secret ('none': it has no secret). */
    readonly result: { readonly tokens: readonly TokenView[]; readonly bootstrap: 'enabled' | 'revoked' | 'none' }
  }
}

/** A live token's record, or null when the stored text is not one (revoked, or unreadable: no token). */
export function decodeTokenRecord(text: string | null): TokenRecord | null {
  if (text === null) return null
  const state = tokenEntryState(text)
  return state.kind === 'live' ? state.record : null
}

/** Whether this stored entry (under the bootstrap entry id, or null) disables the bootstrap admin token. */
export function bootstrapRevoked(text: string | null): boolean {
  return text !== null && tokenEntryState(text).kind === 'revoked'
}

export function tokenView(record: TokenRecord): TokenView {
  const { hash: _hash, ...view } = record
  return view
}
