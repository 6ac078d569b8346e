/**
 * Whether a failed call is known not to have taken effect. The server refused it (bad input, no
 * such record, not allowed, a stale version, an aborted change, no such method) without changing anything: a
 * definite failure. Anything else (a timeout,
 * a lost connection, a leader change) may or may not have taken effect: indeterminate.
 */
import { RpcError } from '../../rpc/rpc-error.js'

export type CallOutcome = 'ok' | 'fail' | 'info'

export function failedCallOutcome(error: unknown): Exclude<CallOutcome, 'ok'> {
  return error instanceof RpcError && (error.code === 'BAD_REQUEST' || error.code === 'NOT_FOUND' || error.code === 'FORBIDDEN' || error.code === 'CONFLICT' || error.code === 'UNKNOWN_METHOD') ? 'fail' : 'info'
}
