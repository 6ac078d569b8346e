import { ConfigurationMemo } from './configuration-memo.js'
import { EntryList, type TimedInterval } from './entry-list.js'
import { LinearizedSet } from './linearized-set.js'
import type { SequentialModel } from './sequential-model.js'

/**
 * Just-in-time linearizability search (Wing & Gong's backtracking with Lowe's memoization of
 * (linearized set, state) configurations), iterative with an explicit stack.
 *
 * Walking the entry list from its front, a call entry is an operation that may be linearized
 * now: if the model accepts it from the current state and the resulting configuration is new,
 * it is linearized (lifted out of the list) and the walk restarts at the front. Reaching a return
 * entry means an operation that has returned is still not linearized: the current prefix is a
 * dead end, so the search backtracks. Reaching the return entry of an operation that may never
 * have happened means every operation that must happen has been linearized: success.
 *
 * The candidates before the first return entry are tried in two passes: first the operations that
 * returned, then those that may never have happened. Leaving the optional ones out first means
 * the configurations that include them later are usually subsumed by ones already explored (see
 * `ConfigurationMemo`) instead of the other way round.
 */

export interface SearchOp<Op> extends TimedInterval {
  readonly input: Op
}

export interface SearchBudget {
  readonly maxSteps: number
  readonly timeLimitMs: number
  /** Milliseconds, monotonic. */
  readonly now: () => number
}

export type SearchVerdict =
  | {
      readonly verdict: 'linearizable'
      /** Operation indices in a valid linearization order (operations left out never happened). */
      readonly linearization: readonly number[]
      readonly steps: number
    }
  | {
      readonly verdict: 'violation'
      /** The longest sequence of operations the search managed to linearize, in order. */
      readonly longestPrefix: readonly number[]
      /** An operation that had returned but could not be linearized after that prefix. */
      readonly blockedOp: number
      /** Operations already called, not yet linearized, none of which could go next. */
      readonly candidates: readonly number[]
      readonly steps: number
    }
  | { readonly verdict: 'unknown'; readonly exhausted: 'steps' | 'time'; readonly steps: number }

/** Reading the clock every step would dominate; every 1024th (from the first) is enough. */
const CLOCK_CHECK_INTERVAL = 1024

export function searchLinearization<State, Op>(
  model: SequentialModel<State, Op>,
  ops: readonly SearchOp<Op>[],
  budget: SearchBudget,
): SearchVerdict {
  const list = new EntryList(ops)
  const linearized = new LinearizedSet(ops.map((op) => op.returnedAt === Infinity))
  const memo = new ConfigurationMemo<State>(model)
  const blindWrite = ops.map((op) => model.isBlindWrite(op.input))
  const stackEntries = new Int32Array(ops.length)
  const stackPasses = new Uint8Array(ops.length)
  const stackStates: State[] = []
  const deadline = budget.now() + budget.timeLimitMs
  let depth = 0
  let state = model.init()
  let entry = list.next[list.head] ?? list.head
  let pass: 0 | 1 = 0
  let steps = 0
  let deepest: { prefix: number[]; blockedOp: number; candidates: number[] } | undefined
  /** Whether the last operation linearized is an optional blind write (a blind write now would hide it unseen). */
  const overwritesUnobserved = (atDepth: number): boolean => {
    if (atDepth === 0) return false
    const top = stackEntries[atDepth - 1] ?? -1
    return list.isOptionalCall(top) && blindWrite[list.op[top] ?? -1] === true
  }

  while (entry !== list.head && list.unbounded[entry] === 0) {
    steps++
    if (steps > budget.maxSteps) return { verdict: 'unknown', exhausted: 'steps', steps }
    if (steps % CLOCK_CHECK_INTERVAL === 1 && budget.now() > deadline) {
      return { verdict: 'unknown', exhausted: 'time', steps }
    }
    const op = list.op[entry] ?? -1
    if (list.isCall(entry)) {
      if (list.isOptionalCall(entry) !== (pass === 1) || (blindWrite[op] === true && overwritesUnobserved(depth))) {
        entry = list.next[entry] ?? list.head
        continue
      }
      const result = model.step(state, (ops[op] as SearchOp<Op>).input)
      if (result.ok) {
        linearized.add(op)
        if (memo.addIfNew(linearized, result.state)) {
          stackEntries[depth] = entry
          stackPasses[depth] = pass
          stackStates[depth] = state
          depth++
          state = result.state
          list.lift(entry)
          entry = list.next[list.head] ?? list.head
          pass = 0
          continue
        }
        linearized.remove(op)
      }
      entry = list.next[entry] ?? list.head
      continue
    }
    if (pass === 0) {
      pass = 1
      entry = list.next[list.head] ?? list.head
      continue
    }
    // A returned operation is not linearized yet: this prefix cannot be extended.
    if (deepest === undefined || depth > deepest.prefix.length) {
      deepest = { prefix: opsOnStack(list, stackEntries, depth), blockedOp: op, candidates: pendingCalls(list, entry) }
    }
    if (depth === 0) {
      return {
        verdict: 'violation',
        longestPrefix: deepest.prefix,
        blockedOp: deepest.blockedOp,
        candidates: deepest.candidates,
        steps,
      }
    }
    depth--
    const callEntry = stackEntries[depth] ?? -1
    state = stackStates[depth] as State
    pass = stackPasses[depth] === 1 ? 1 : 0
    linearized.remove(list.op[callEntry] ?? -1)
    list.unlift(callEntry)
    entry = list.next[callEntry] ?? list.head
  }
  return { verdict: 'linearizable', linearization: opsOnStack(list, stackEntries, depth), steps }
}

function opsOnStack(list: EntryList, stackEntries: Int32Array, depth: number): number[] {
  return Array.from(stackEntries.subarray(0, depth), (entry) => list.op[entry] ?? -1)
}

/** The operations whose call entries precede `stop` in the list: called, not linearized. */
function pendingCalls(list: EntryList, stop: number): number[] {
  const pending: number[] = []
  for (let entry = list.next[list.head] ?? list.head; entry !== stop; entry = list.next[entry] ?? list.head) {
    if (list.isCall(entry)) pending.push(list.op[entry] ?? -1)
  }
  return pending
}
