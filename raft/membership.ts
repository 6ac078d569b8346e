import type { ConfChange, ConfState, NodeId } from './types.js'

/**
 * Single-server membership changes. `validateConfChange` is the leader's admission check for a
 * proposal; `applyConfChange` replays an entry already in the log, so it is total: an entry that
 * changes nothing (it could only come from a buggy leader) leaves the configuration as it is.
 */

export function validateConfChange(conf: ConfState, change: ConfChange): string | null {
  const isVoter = conf.voters.includes(change.node)
  const isLearner = conf.learners.includes(change.node)
  switch (change.type) {
    case 'addVoter':
      if (isVoter) return `node ${change.node} is already a voter`
      if (isLearner) return `node ${change.node} is a learner; use promoteLearner`
      return null
    case 'addLearner':
      if (isVoter) return `node ${change.node} is a voter; remove it before re-adding it as a learner`
      if (isLearner) return `node ${change.node} is already a learner`
      return null
    case 'promoteLearner':
      return isLearner ? null : `node ${change.node} is not a learner`
    case 'removeNode':
      if (!isVoter && !isLearner) return `node ${change.node} is not a member`
      if (isVoter && conf.voters.length === 1) return `node ${change.node} is the last voter`
      return null
  }
}

export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const without = (ids: readonly NodeId[]): NodeId[] => ids.filter((id) => id !== change.node)
  switch (change.type) {
    case 'addVoter':
    case 'promoteLearner':
      return { voters: [...without(conf.voters), change.node], learners: without(conf.learners) }
    case 'addLearner':
      return { voters: without(conf.voters), learners: [...without(conf.learners), change.node] }
    case 'removeNode':
      return { voters: without(conf.voters), learners: without(conf.learners) }
  }
}

/** Every member that receives the log: voters first, then learners. */
export function members(conf: ConfState): NodeId[] {
  return [...conf.voters, ...conf.learners]
}
