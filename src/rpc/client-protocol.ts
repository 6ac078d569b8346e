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

/**
 * A call of a client that numbers its calls: the id is `<client>-<sequence>`, and the client will
 * retry nothing below `settledBelow` (its answered or abandoned calls). The state machine keeps one
 * session per such client instead of one record per request id (src/office/client-sessions.ts).
 */
export interface ClientSessionTag {
  readonly client: string
  readonly sequence: number
  readonly settledBelow: number
}

const SESSION_REQUEST_ID = /^(.+)-(0|[1-9][0-9]{0,14})$/

export const requestFrameSchema = z
  .strictObject({
    id: requestIdSchema,
    method: z
      .string({ error: 'expected a method name' })
      .min(1, { error: 'expected a non-empty method name' })
      .max(MAX_METHOD_NAME_LENGTH, { error: `expected a method name of at most ${MAX_METHOD_NAME_LENGTH} characters` }),
    params: z.unknown(),
    settledBelow: z
      .number({ error: 'expected settledBelow to be a sequence number' })
      .int({ error: 'expected settledBelow to be a whole number' })
      .min(0, { error: 'expected settledBelow to be at least 0' })
      .max(Number.MAX_SAFE_INTEGER, { error: 'expected settledBelow to be a safe integer' })
      .optional(),
  })
  .superRefine((frame, ctx) => {
    if (frame.settledBelow !== undefined && clientSessionOf(frame.id, frame.settledBelow) === null) {
      ctx.addIssue({
        code: 'custom',
        path: ['settledBelow'],
        message: `settledBelow ${frame.settledBelow} needs a request id "<client>-<sequence>" with a sequence of at least ${frame.settledBelow}, not "${frame.id}"`,
      })
    }
  })

export type RequestFrame = z.output<typeof requestFrameSchema>

/** The session a frame's call belongs to, or null: no `settledBelow`, or an id it does not fit. */
export function clientSessionOf(id: string, settledBelow: number | undefined): ClientSessionTag | null {
  if (settledBelow === undefined) return null
  const match = SESSION_REQUEST_ID.exec(id)
  if (match === null) return null
  const sequence = Number(match[2])
  return sequence >= settledBelow ? { client: match[1] ?? '', sequence, settledBelow } : null
}

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
