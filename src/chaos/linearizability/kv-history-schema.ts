import { z } from 'zod'
import type { KvHistoryOp } from './kv-history.js'

/** Validation of a KV history arriving from outside (a JSON file, another process). */

const time = z.number().finite()
const failed = z.object({ status: z.literal('fail'), returnedAt: time })
const indeterminate = z.object({ status: z.literal('info'), returnedAt: time.nullable() })
const acknowledged = z.object({ status: z.literal('ok'), returnedAt: time })
const identity = { id: z.string().min(1), client: z.string().min(1), key: z.string(), calledAt: time }

const opSchema = z.discriminatedUnion('kind', [
  z.object({
    ...identity,
    kind: z.literal('put'),
    value: z.string(),
    outcome: z.discriminatedUnion('status', [acknowledged, failed, indeterminate]),
  }),
  z.object({
    ...identity,
    kind: z.literal('delete'),
    outcome: z.discriminatedUnion('status', [acknowledged, failed, indeterminate]),
  }),
  z.object({
    ...identity,
    kind: z.literal('get'),
    outcome: z.discriminatedUnion('status', [
      acknowledged.extend({ value: z.string().nullable() }),
      failed,
      indeterminate,
    ]),
  }),
  z.object({
    ...identity,
    kind: z.literal('cas'),
    expected: z.string().nullable(),
    value: z.string(),
    outcome: z.discriminatedUnion('status', [
      acknowledged.extend({ swapped: z.boolean() }),
      failed,
      indeterminate,
    ]),
  }),
])

export class KvHistoryError extends Error {
  override readonly name = 'KvHistoryError'
}

/**
 * Parses and checks a history: every op well formed, ids unique, no op returning before it was
 * called. Throws a `KvHistoryError` naming the first bad op.
 */
export function parseKvHistory(input: unknown): KvHistoryOp[] {
  if (!Array.isArray(input)) {
    throw new KvHistoryError(`a KV history must be an array of operations, got ${typeof input}`)
  }
  const seen = new Set<string>()
  return input.map((raw: unknown, index) => {
    const parsed = opSchema.safeParse(raw)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      const where = issue === undefined ? '' : ` at ${issue.path.join('.') || '(root)'}: ${issue.message}`
      throw new KvHistoryError(`history operation #${index}${describeId(raw)} is malformed${where}`)
    }
    const op: KvHistoryOp = parsed.data
    if (seen.has(op.id)) throw new KvHistoryError(`history operation id "${op.id}" appears more than once`)
    seen.add(op.id)
    const returnedAt = op.outcome.returnedAt
    if (returnedAt !== null && returnedAt < op.calledAt) {
      throw new KvHistoryError(
        `history operation "${op.id}" returned at ${returnedAt}, before it was called at ${op.calledAt}`,
      )
    }
    return op
  })
}

function describeId(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'string') return ` ("${raw.id}")`
  return ''
}
