import t from 'tap'
import { isAlreadyDone } from '../../src/client/membership-refusals.js'
import { RpcError } from '../../src/rpc/rpc-error.js'

const refusal = (message: string) => RpcError.of('BAD_REQUEST', message, { reason: 'invalidConfChange' })

t.test('a retried change refused because it is in place is done', async (t) => {
  // The refusal seed 3 of campaign A got when a committed removal was retried after a leader change.
  t.ok(isAlreadyDone('removeNode', 'nyc-4', refusal('node nyc-4 is not a member')), 'a removal')
  t.ok(isAlreadyDone('addLearner', 'nyc-5', refusal('node nyc-5 is already a learner')), 'an addition')
  t.ok(isAlreadyDone('promoteLearner', 'nyc-5', refusal('node nyc-5 is not a learner')), 'a promotion')
  t.ok(isAlreadyDone('addVoter', 'lon-2', refusal('node lon-2 is already a voter')), 'a voter added directly')
})

t.test('other refusals and failures are not', async (t) => {
  t.notOk(isAlreadyDone('removeNode', 'nyc-44', refusal('node nyc-4 is not a member')), 'another replica')
  t.notOk(isAlreadyDone('removeNode', 'nyc-4', refusal('node nyc-44 is not a member')), 'a replica whose id starts the same')
  t.notOk(isAlreadyDone('removeNode', 'nyc-4', refusal('node nyc-4 is the last voter')), 'the last voter')
  t.notOk(isAlreadyDone('addLearner', 'nyc-4', refusal('node nyc-4 is a voter; remove it before re-adding it as a learner')), 'a voter')
  t.notOk(isAlreadyDone('promoteLearner', 'nyc-4', refusal('node nyc-4 is not a member')), 'the refusal of another change')
  t.notOk(isAlreadyDone('addVoter', 'nyc-4', refusal('node nyc-4 is a learner; use promoteLearner')), 'a learner asked to be added as a voter')
  t.notOk(isAlreadyDone('removeNode', 'nyc-4', RpcError.of('TIMEOUT', 'replica.membership gave up: node nyc-4 is not a member', null)), 'a timeout')
  t.notOk(isAlreadyDone('removeNode', 'nyc-4', new Error('node nyc-4 is not a member')), 'not an RPC refusal')
})
