import { searchLinearization, type SearchBudget, type SearchOp, type SearchVerdict } from './linearizability-search.js'
import type { SequentialModel } from './sequential-model.js'

/**
 * Searches growing prefixes of a history (the first 64 operations by call time, then 128, ...)
 * so that a violation early in a long history is found, and explained, without exhausting the
 * configurations of everything after it (the cost of proving a violation grows with the part of
 * the history the search must cover).
 *
 * A prefix is every operation called before some instant T; those that had not returned by T
 * become pending (`model.pending`: they may take effect after their call, or never). Any
 * linearization of the whole history restricted to the prefix is a linearization of the prefix,
 * so a violation in a prefix is a violation of the whole. A linearizable prefix proves nothing
 * about the rest, so the search goes on to the next, until the whole history has been covered.
 * For a linearizable history this costs about twice a single search.
 */

const FIRST_PREFIX = 64

export function searchGrowingPrefixes<State, Op>(
  model: SequentialModel<State, Op>,
  ops: readonly SearchOp<Op>[],
  budget: SearchBudget,
): SearchVerdict {
  const byCall = ops.map((_, index) => index).sort((a, b) => callOf(ops, a) - callOf(ops, b) || a - b)
  const deadline = budget.now() + budget.timeLimitMs
  let stepsUsed = 0
  for (let size = Math.min(FIRST_PREFIX, ops.length); ; size = Math.min(ops.length, size * 2)) {
    const cutoff = size < ops.length ? callOf(ops, byCall[size] ?? -1) : Infinity
    const original: number[] = []
    const prefix: SearchOp<Op>[] = []
    for (const index of byCall.slice(0, size)) {
      const op = ops[index] as SearchOp<Op>
      const input = op.returnedAt < cutoff ? op.input : model.pending(op.input)
      if (input === null) continue
      original.push(index)
      prefix.push(op.returnedAt < cutoff ? op : { calledAt: op.calledAt, returnedAt: Infinity, input })
    }
    const verdict = searchLinearization(model, prefix, {
      maxSteps: budget.maxSteps - stepsUsed,
      timeLimitMs: deadline - budget.now(),
      now: budget.now,
    })
    stepsUsed += verdict.steps
    const toOriginal = (index: number) => original[index] ?? -1
    switch (verdict.verdict) {
      case 'violation':
        return {
          ...verdict,
          steps: stepsUsed,
          longestPrefix: verdict.longestPrefix.map(toOriginal),
          blockedOp: toOriginal(verdict.blockedOp),
          candidates: verdict.candidates.map(toOriginal),
        }
      case 'unknown':
        return { ...verdict, steps: stepsUsed }
      case 'linearizable':
        if (size >= ops.length) return { ...verdict, steps: stepsUsed, linearization: verdict.linearization.map(toOriginal) }
    }
  }
}

function callOf(ops: readonly SearchOp<unknown>[], index: number): number {
  return ops[index]?.calledAt ?? Infinity
}
