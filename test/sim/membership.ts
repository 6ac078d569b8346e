/**
 * Membership as the simulator's state machine tracks it: the configuration as of the applied
 * index, which is what a snapshot taken there must record. Semantics follow ConfChange in
 * raft/types.ts: a learner never votes; promoting moves it to the voters. Written independently
 * of raft/membership.ts so the simulator does not borrow the code it is testing.
 */
import type { ConfChange, ConfState } from '../../raft/types.js'

export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const voters = conf.voters.filter((n) => n !== change.node)
  const learners = conf.learners.filter((n) => n !== change.node)
  switch (change.type) {
    case 'addVoter':
      return { voters: [...voters, change.node], learners }
    case 'addLearner':
      return { voters, learners: [...learners, change.node] }
    case 'promoteLearner':
      return { voters: [...voters, change.node], learners }
    case 'removeNode':
      return { voters, learners }
  }
}

export function describeConfChange(change: ConfChange): string {
  return `${change.type} ${change.node}`
}
