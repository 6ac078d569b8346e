import t from 'tap'
import { isAlreadyRemoved } from '../../../src/chaos/harness/membership-refusals.js'
import { RpcError } from '../../../src/rpc/rpc-error.js'

t.test('a removal refused because the replica is no longer a member is already done', async (t) => {
  // The refusal seed 3 of the long campaign got when a committed removal was retried after a leader change.
  t.ok(isAlreadyRemoved(RpcError.of('BAD_REQUEST', 'node nyc-4 is not a member', { reason: 'invalidConfChange' }), 'nyc-4'))
})

t.test('other refusals and failures are not', async (t) => {
  t.notOk(isAlreadyRemoved(RpcError.of('BAD_REQUEST', 'node nyc-4 is not a member', null), 'nyc-44'), 'another replica')
  t.notOk(isAlreadyRemoved(RpcError.of('BAD_REQUEST', 'node nyc-4 is the last voter', null), 'nyc-4'), 'the last voter')
  t.notOk(isAlreadyRemoved(RpcError.of('TIMEOUT', 'replica.membership gave up: node nyc-4 is not a member', null), 'nyc-4'), 'a timeout')
  t.notOk(isAlreadyRemoved(new Error('node nyc-4 is not a member'), 'nyc-4'), 'not an RPC refusal')
})
