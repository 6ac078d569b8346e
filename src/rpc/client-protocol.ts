/**
 * Frames on the client path (/client). A request names a method and carries an id that stays the
 * same across retries, so the replicated state machine can apply a retried mutation only once.
 */
import { z } from 'zod'
import { RPC_ERROR_CODES, type RpcErrorBody, type RpcErrorCode } from './rpc-error.js'

export const MAX_REQUEST_ID_LENGTH = 128
export const MAX_METHOD_NAME_LENGTH = 64

export const requestIdSchema = z
  .string({ error: 'expected a string request id' })
  .min(1, { error: 'expected a non-empty request id' })
  .max(MAX_REQUEST_ID_LENGTH, { error: `expected a request id of at most ${MAX_REQUEST_ID_LENGTH} characters` })

export const requestFrameSchema = z.strictObject({
  id: requestIdSchema,
  method: z
    .string({ error: 'expected a method name' })
    .min(1, { error: 'expected a non-empty method name' })
    .max(MAX_METHOD_NAME_LENGTH, { error: `expected a method name of at most ${MAX_METHOD_NAME_LENGTH} characters` }),
  params: z.unknown(),
})

export type RequestFrame = z.output<typeof requestFrameSchema>

const otherCodes = RPC_ERROR_CODES.filter((code): code is Exclude<RpcErrorCode, 'NOT_LEADER'> => code !== 'NOT_LEADER')

const errorBodySchema = z.discriminatedUnion('code', [
  z.strictObject({
    code: z.literal('NOT_LEADER'),
    message: z.string(),
    details: z.strictObject({ leader: z.string().nullable(), leaderUrl: z.string().nullable() }),
  }),
  z.strictObject({ code: z.enum(otherCodes), message: z.string(), details: z.unknown() }),
])

/** `id` is null only when the request was too broken to carry a usable id. */
export type ResponseFrame =
  | { readonly id: string | null; readonly result: unknown }
  | { readonly id: string | null; readonly error: RpcErrorBody }

export const responseFrameSchema: z.ZodType<ResponseFrame> = z.union([
  z.strictObject({ id: requestIdSchema.nullable(), error: errorBodySchema }),
  z.strictObject({ id: requestIdSchema.nullable(), result: z.unknown() }),
])
