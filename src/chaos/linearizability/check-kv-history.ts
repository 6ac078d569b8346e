import type { KvHistoryOp } from './kv-history.js'
import { kvRegisterModel, type RegisterOp, type RegisterState } from './kv-register-model.js'
import type { SearchOp } from './linearizability-search.js'
import { searchGrowingPrefixes } from './prefix-search.js'

/**
 * Linearizability of a KV history. Keys are independent registers, and linearizability is
 * compositional (Herlihy & Wing), so the history is linearizable iff every key's sub-history is:
 * each key is searched on its own, with its own budget, and a key that runs out of budget is
 * reported `unknown` instead of holding up the rest.
 */

export interface KvCheckOptions {
  /** Search steps (entry visits) allowed per key before it is reported unknown. */
  readonly perKeyMaxSteps?: number
  readonly perKeyTimeLimitMs?: number
  /** Monotonic milliseconds. */
  readonly now: () => number
}

export interface OpSummary {
  readonly id: string
  readonly client: string
  readonly description: string
  readonly calledAt: number
  /** `null` when the operation never returned (it may take effect at any time after its call). */
  readonly returnedAt: number | null
}

export interface ViolationExplanation {
  readonly key: string
  /** The longest sequence of this key's operations that has a valid order, with the value after each. */
  readonly longestLinearizablePrefix: ReadonlyArray<OpSummary & { readonly valueAfter: string }>
  /** An operation that had completed but cannot be placed after that prefix. */
  readonly blockedOp: OpSummary
  /** The operations that could have gone next instead, none of which fits either. */
  readonly candidates: readonly OpSummary[]
  readonly message: string
}

export type KeyVerdict =
  | { readonly key: string; readonly linearizable: true; readonly opCount: number; readonly steps: number }
  | {
      readonly key: string
      readonly linearizable: false
      readonly opCount: number
      readonly steps: number
      readonly explanation: ViolationExplanation
    }
  | {
      readonly key: string
      readonly linearizable: 'unknown'
      readonly opCount: number
      readonly steps: number
      readonly exhausted: 'steps' | 'time'
    }

export interface KvCheckReport {
  /** false if any key is violated; otherwise 'unknown' if any key ran out of budget. */
  readonly linearizable: boolean | 'unknown'
  readonly perKey: readonly KeyVerdict[]
  readonly violations: readonly ViolationExplanation[]
}

type IndexedOp = { readonly search: SearchOp<RegisterOp>; readonly source: KvHistoryOp }

const DEFAULT_MAX_STEPS = 5_000_000
const DEFAULT_TIME_LIMIT_MS = 10_000

export function checkKvHistory(history: readonly KvHistoryOp[], options: KvCheckOptions): KvCheckReport {
  const byKey = new Map<string, IndexedOp[]>()
  for (const source of history) {
    const search = toSearchOp(source)
    if (search === null) continue
    const ops = byKey.get(source.key) ?? []
    ops.push({ search, source })
    byKey.set(source.key, ops)
  }
  const budget = {
    maxSteps: options.perKeyMaxSteps ?? DEFAULT_MAX_STEPS,
    timeLimitMs: options.perKeyTimeLimitMs ?? DEFAULT_TIME_LIMIT_MS,
    now: options.now,
  }
  const perKey = [...byKey.keys()].sort().map((key): KeyVerdict => {
    const ops = byKey.get(key) ?? []
    const result = searchGrowingPrefixes(
      kvRegisterModel,
      ops.map((op) => op.search),
      budget,
    )
    const common = { key, opCount: ops.length, steps: result.steps }
    switch (result.verdict) {
      case 'linearizable':
        return { ...common, linearizable: true }
      case 'unknown':
        return { ...common, linearizable: 'unknown', exhausted: result.exhausted }
      case 'violation': {
        const opAt = (index: number): IndexedOp => {
          const op = ops[index]
          if (op === undefined) throw new Error(`search reported operation #${index} of key "${key}", which does not exist`)
          return op
        }
        return {
          ...common,
          linearizable: false,
          explanation: explain(
            key,
            result.longestPrefix.map(opAt),
            opAt(result.blockedOp),
            result.candidates.map(opAt),
          ),
        }
      }
    }
  })
  const violations = perKey.flatMap((verdict) => (verdict.linearizable === false ? [verdict.explanation] : []))
  const linearizable =
    violations.length > 0 ? false : perKey.some((verdict) => verdict.linearizable === 'unknown') ? 'unknown' : true
  return { linearizable, perKey, violations }
}

/** The register operation a history entry stands for, or null when it cannot have had any effect or told us anything. */
function toSearchOp(op: KvHistoryOp): SearchOp<RegisterOp> | null {
  const outcome = op.outcome
  if (outcome.status === 'fail') return null
  const returnedAt = outcome.status === 'ok' ? outcome.returnedAt : Infinity
  const timed = { calledAt: op.calledAt, returnedAt }
  switch (op.kind) {
    case 'put':
      return { ...timed, input: { kind: 'write', value: op.value } }
    case 'delete':
      return { ...timed, input: { kind: 'write', value: null } }
    case 'get':
      // A read that never answered constrains nothing.
      return op.outcome.status === 'ok' ? { ...timed, input: { kind: 'read', value: op.outcome.value } } : null
    case 'cas':
      return {
        ...timed,
        input: {
          kind: 'cas',
          expected: op.expected,
          value: op.value,
          swapped: op.outcome.status === 'ok' ? op.outcome.swapped : 'unknown',
        },
      }
  }
}

function explain(key: string, prefix: IndexedOp[], blocked: IndexedOp, candidates: IndexedOp[]): ViolationExplanation {
  let state: RegisterState = kvRegisterModel.init()
  const longestLinearizablePrefix = prefix.map((op) => {
    // The search accepted either the operation or, when it was still running at the end of the
    // prefix searched, its pending form (e.g. a CAS whose answer came later).
    const pending = kvRegisterModel.pending(op.search.input)
    const stepped = kvRegisterModel.step(state, op.search.input)
    const steppedPending = pending === null ? stepped : kvRegisterModel.step(state, pending)
    if (stepped.ok) state = stepped.state
    else if (steppedPending.ok) state = steppedPending.state
    return { ...summarize(op), valueAfter: kvRegisterModel.describeState(state) }
  })
  const shownPrefix = longestLinearizablePrefix.slice(-5).map((op) => `${op.id} ${op.description}`)
  const elided = longestLinearizablePrefix.length > shownPrefix.length ? '…, ' : ''
  const blockedSummary = summarize(blocked)
  const others = candidates.filter((op) => op !== blocked).map((op) => op.source.id)
  const message =
    `key ${JSON.stringify(key)}: after ${prefix.length} operation(s) [${elided}${shownPrefix.join(', ')}] ` +
    `the value is ${kvRegisterModel.describeState(state)}, and ${blockedSummary.id} by ${blockedSummary.client} ` +
    `(${blockedSummary.description}, called ${blockedSummary.calledAt}, returned ${blockedSummary.returnedAt}) ` +
    `cannot be linearized next` +
    (others.length > 0 ? `, and no other pending operation fits there either (${others.join(', ')})` : '')
  return {
    key,
    longestLinearizablePrefix,
    blockedOp: blockedSummary,
    candidates: candidates.map(summarize),
    message,
  }
}

function summarize(op: IndexedOp): OpSummary {
  return {
    id: op.source.id,
    client: op.source.client,
    description: kvRegisterModel.describeOp(op.search.input),
    calledAt: op.source.calledAt,
    returnedAt: op.search.returnedAt === Infinity ? null : op.search.returnedAt,
  }
}
