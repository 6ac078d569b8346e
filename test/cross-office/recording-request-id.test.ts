import t from 'tap'
import { recordingRequestId } from '../../src/cross-office/meeting-transactions.js'
import { MAX_REQUEST_ID_LENGTH, requestIdSchema } from '../../src/rpc/client-protocol.js'

t.test("an answer's request id at another office is the caller's, tagged with the office", async (t) => {
  t.equal(recordingRequestId('req-1', 'lon'), 'req-1@lon')
  t.not(recordingRequestId('req-1', 'lon'), recordingRequestId('req-1', 'tok'), 'each office its own')
})

t.test('a client id near the limit still gives a request id a peer accepts, the same on every retry', async (t) => {
  const long = 'r'.repeat(MAX_REQUEST_ID_LENGTH)
  const derived = recordingRequestId(long, 'office16charsxyz')
  t.ok(requestIdSchema.safeParse(derived).success, `${derived.length} characters`)
  t.equal(recordingRequestId(long, 'office16charsxyz'), derived, 'deterministic')
  t.not(recordingRequestId(`${long.slice(1)}s`, 'office16charsxyz'), derived, 'another long id, another request id')
})
