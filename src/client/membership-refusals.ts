/**
 * Which refusals of a membership change mean the change is already in place. The cluster client
 * retries a call whose answer was lost (a leader change between commit and reply, an attempt that
 * timed out while the change committed); the retry of a change that did commit is then refused:
 * seed 3 of chaos campaign A (a removal refused as "not a member"), and a CI run where adding a
 * voter took longer than one attempt ("already a voter"). For a caller that made the change, and
 * never reuses a replica id, that change is done, not failed.
 */
import { RpcError } from '../rpc/rpc-error.js'
import type { ClusterClient } from './cluster-client.js'
import type { OfficeMethods } from '../office/office-api.js'

export type MembershipChange = 'removeNode' | 'addLearner' | 'promoteLearner' | 'addVoter'

/** The leader's refusal of each change once it is in place (raft/membership.ts). */
const REFUSED_ONCE_DONE: Record<MembershipChange, (node: string) => string> = {
  removeNode: (node) => `node ${node} is not a member`,
  addLearner: (node) => `node ${node} is already a learner`,
  // A learner this caller added, and nobody removes, is no longer a learner once promoted.
  promoteLearner: (node) => `node ${node} is not a learner`,
  addVoter: (node) => `node ${node} is already a voter`,
}

export function isAlreadyDone(change: MembershipChange, node: string, error: unknown): boolean {
  return error instanceof RpcError && error.code === 'BAD_REQUEST' && error.message.includes(REFUSED_ONCE_DONE[change](node))
}

/**
 * Makes a membership change through `client`. `index` is the log index of the change, or, when a
 * retry found it already in place (`alreadyDone`), the office's last index, which covers it.
 */
export async function changeMembership(
  client: ClusterClient<OfficeMethods>,
  change: MembershipChange,
  node: string,
  address?: { readonly host: string; readonly port: number },
): Promise<{ readonly index: number; readonly alreadyDone: boolean }> {
  try {
    const { index } = await client.call('replica.membership', { change, node, ...(address === undefined ? {} : { address }) })
    return { index, alreadyDone: false }
  } catch (error) {
    if (!isAlreadyDone(change, node, error)) throw error
    return { index: (await client.call('replica.status', {})).lastIndex, alreadyDone: true }
  }
}
