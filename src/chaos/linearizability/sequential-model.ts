/**
 * A sequential specification the linearizability search checks a history against.
 *
 * `step` must be a pure function: it never mutates `state`, and the same state and operation
 * always give the same answer. `hash` must agree with `equal` (equal states hash alike).
 */
export interface SequentialModel<State, Op> {
  init(): State
  /** Applies `op` (with the result it reported) to `state`; `ok: false` when that result is impossible there. */
  step(state: State, op: Op): StepResult<State>
  /**
   * The operation as it stands while it has not returned (its result not known yet): it may take
   * effect any time after its call, or never. `null` when, unreturned, it constrains nothing
   * (a read).
   */
  pending(op: Op): Op | null
  /**
   * True for an operation that sets the state whatever it was and reports nothing about it
   * (a put). An optional blind write followed directly by another blind write had no observable
   * effect, which lets the search skip that order (the same order without it is explored anyway).
   */
  isBlindWrite(op: Op): boolean
  equal(a: State, b: State): boolean
  /** A 32-bit integer. */
  hash(state: State): number
  describeOp(op: Op): string
  describeState(state: State): string
}

export type StepResult<State> = { readonly ok: true; readonly state: State } | { readonly ok: false }
