/**
 * Which refusals of a membership change mean the change is already in place. The cluster client
 * retries a call whose answer was lost (a leader change between commit and reply, a timeout); the
 * retry of a change that did commit is then refused (seed 3 of campaign A: a removal refused as
 * "not a member"). For the harness, which alone changes membership during a run and never reuses a
 * replica id, that change is done, not failed.
 */
import { RpcError } from '../../rpc/rpc-error.js'

export type HarnessMembershipChange = 'removeNode' | 'addLearner' | 'promoteLearner'

/** The leader's refusal of each change once it is in place (raft/membership.ts). */
const REFUSED_ONCE_DONE: Record<HarnessMembershipChange, (node: string) => string> = {
  removeNode: (node) => `node ${node} is not a member`,
  addLearner: (node) => `node ${node} is already a learner`,
  // A learner only the harness added and nobody removes is no longer a learner once promoted.
  promoteLearner: (node) => `node ${node} is not a learner`,
}

export function isAlreadyDone(change: HarnessMembershipChange, node: string, error: unknown): boolean {
  return error instanceof RpcError && error.code === 'BAD_REQUEST' && error.message.includes(REFUSED_ONCE_DONE[change](node))
}
