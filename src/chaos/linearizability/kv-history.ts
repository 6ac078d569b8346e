/**
 * The recorded history of a KV workload: what each client asked, when, and what it learned.
 *
 * Times are numbers on one clock (milliseconds from the harness's monotonic clock); only their
 * order matters to the checker.
 */

/** Acknowledged: the operation took effect exactly once, somewhere between its call and return. */
export interface Acknowledged {
  readonly status: 'ok'
  readonly returnedAt: number
}

/** Definitely did not take effect (e.g. rejected before it was proposed). */
export interface Failed {
  readonly status: 'fail'
  readonly returnedAt: number
}

/**
 * Unknown: it may or may not have taken effect, at any moment after its call, even after the
 * client gave up (a timeout). `returnedAt` is when the client stopped waiting, if it did.
 */
export interface Indeterminate {
  readonly status: 'info'
  readonly returnedAt: number | null
}

interface OpIdentity {
  readonly id: string
  readonly client: string
  readonly key: string
  readonly calledAt: number
}

export interface PutOp extends OpIdentity {
  readonly kind: 'put'
  readonly value: string
  readonly outcome: Acknowledged | Failed | Indeterminate
}

export interface DeleteOp extends OpIdentity {
  readonly kind: 'delete'
  readonly outcome: Acknowledged | Failed | Indeterminate
}

export interface GetOp extends OpIdentity {
  readonly kind: 'get'
  /** An acknowledged read carries the value it saw; `null` means the key was absent. */
  readonly outcome: (Acknowledged & { readonly value: string | null }) | Failed | Indeterminate
}

export interface CasOp extends OpIdentity {
  readonly kind: 'cas'
  /** `null` expects the key to be absent (create-if-absent). */
  readonly expected: string | null
  readonly value: string
  /** `swapped: false` still happened: it was a read that saw something other than `expected`. */
  readonly outcome: (Acknowledged & { readonly swapped: boolean }) | Failed | Indeterminate
}

export type KvHistoryOp = PutOp | DeleteOp | GetOp | CasOp
