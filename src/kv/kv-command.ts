/**
 * Commands of the replicated key-value store every office's Raft group offers. They are
 * validated at the RPC boundary (schemas below) and trusted once in the log.
 */
import { z } from 'zod'

export const MAX_KV_KEY_BYTES = 1024
export const MAX_KV_VALUE_BYTES = 64 * 1024

/** What a compare-and-set compares: the current value (null = the key is absent) or its revision. */
export type KvExpectation =
  | { readonly value: string | null }
  | { readonly revision: number }

export type KvCommand =
  | { readonly op: 'put'; readonly key: string; readonly value: string }
  | { readonly op: 'delete'; readonly key: string }
  | { readonly op: 'cas'; readonly key: string; readonly expected: KvExpectation; readonly value: string }

/**
 * The outcome of a mutation or read of one key. `revision` is the key's modification revision
 * (0 when absent); `storeRevision` is the store-wide revision after the command.
 */
export interface KvResult {
  readonly key: string
  readonly value: string | null
  readonly revision: number
  readonly storeRevision: number
  /** Compare-and-set only: whether the expectation held and the value was written. */
  readonly ok?: boolean
}

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8')

export const kvKeySchema = z
  .string({ error: 'expected the key as a string' })
  .min(1, { error: 'expected a non-empty key' })
  .refine((k) => utf8Bytes(k) <= MAX_KV_KEY_BYTES, { error: `expected a key of at most ${MAX_KV_KEY_BYTES} bytes` })

export const kvValueSchema = z
  .string({ error: 'expected the value as a string' })
  .refine((v) => utf8Bytes(v) <= MAX_KV_VALUE_BYTES, { error: `expected a value of at most ${MAX_KV_VALUE_BYTES} bytes` })

const revisionSchema = z.number().int().nonnegative()

export const kvExpectationSchema = z.union([
  z.strictObject({ value: kvValueSchema.nullable() }),
  z.strictObject({ revision: revisionSchema }),
])

export const kvPutParams = z.strictObject({ key: kvKeySchema, value: kvValueSchema })
export const kvDeleteParams = z.strictObject({ key: kvKeySchema })
export const kvCasParams = z.strictObject({ key: kvKeySchema, expected: kvExpectationSchema, value: kvValueSchema })
export const kvGetParams = z.strictObject({ key: kvKeySchema, stale: z.boolean().optional() })
export const kvRangeParams = z.strictObject({
  prefix: z.string().max(MAX_KV_KEY_BYTES),
  limit: z.number().int().min(1).max(10_000).optional(),
  stale: z.boolean().optional(),
})
