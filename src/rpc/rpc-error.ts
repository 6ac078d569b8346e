/**
 * The closed set of errors an RPC can end with, on the wire and in the client library. A caller
 * branches on `code`; `details` carries the machine-readable part for the codes that have one.
 */

export const RPC_ERROR_CODES = [
  'BAD_REQUEST',
  'UNKNOWN_METHOD',
  'NOT_LEADER',
  'TIMEOUT',
  'UNAVAILABLE',
  'CONFLICT',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNAUTHENTICATED',
  'INTERNAL',
  'OVERLOADED',
] as const

export type RpcErrorCode = (typeof RPC_ERROR_CODES)[number]

/** Where a replica that is not the leader says the leader is (either may be unknown). */
export interface NotLeaderDetails {
  readonly leader: string | null
  readonly leaderUrl: string | null
}

/** The error object carried by a response frame. `details` is null when the code carries none. */
export type RpcErrorBody =
  | { readonly code: 'NOT_LEADER'; readonly message: string; readonly details: NotLeaderDetails }
  | { readonly code: Exclude<RpcErrorCode, 'NOT_LEADER'>; readonly message: string; readonly details: unknown }

/**
 * Errors worth retrying with the same request id: the request may not have run (UNAVAILABLE,
 * OVERLOADED, NOT_LEADER) or its outcome is unknown (TIMEOUT), and the state machine dedupes ids.
 */
const RETRYABLE: ReadonlySet<RpcErrorCode> = new Set(['NOT_LEADER', 'TIMEOUT', 'UNAVAILABLE', 'OVERLOADED'])

export function isRetryable(code: RpcErrorCode): boolean {
  return RETRYABLE.has(code)
}

/** Thrown by handlers to answer a specific error, and raised by the client for every failed call. */
export class RpcError extends Error {
  readonly body: RpcErrorBody

  constructor(body: RpcErrorBody) {
    super(body.message)
    this.name = 'RpcError'
    this.body = body
  }

  get code(): RpcErrorCode {
    return this.body.code
  }

  get details(): unknown {
    return this.body.details
  }

  static of(code: Exclude<RpcErrorCode, 'NOT_LEADER'>, message: string, details: unknown = null): RpcError {
    return new RpcError({ code, message, details })
  }

  static notLeader(message: string, details: NotLeaderDetails): RpcError {
    return new RpcError({ code: 'NOT_LEADER', message, details })
  }
}
