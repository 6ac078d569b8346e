/**
 * Which refusals of a membership change mean the change is already in place. The cluster client
 * retries a call whose answer was lost (a leader change between commit and reply, a timeout); the
 * retry of a removal that did commit is then refused because the replica is no longer a member.
 * For the operator that removal is done, not failed.
 */
import { RpcError } from '../../rpc/rpc-error.js'

export function isAlreadyRemoved(error: unknown, node: string): boolean {
  return error instanceof RpcError && error.code === 'BAD_REQUEST' && error.message.includes(`node ${node} is not a member`)
}
