import t from 'tap'
import { ReplicaDb } from '../../storage/replica-db.js'
import { encodeIndexKey } from '../../storage/raft-record-codec.js'

const identity = { clusterId: 'local', replicaId: 'nyc-1' }

t.test("a raw batch's prefixed keys land in the sublevels that level reads them from", async (t) => {
  const db = await ReplicaDb.open(t.testdir(), identity)
  t.teardown(() => db.close())
  await db.stateMachine.put('gone', Uint8Array.of(9))
  const big = 2 ** 40 + 7 // needs both 32-bit halves of the big-endian key
  await db
    .rawBatch()
    .put(db.logKey(1), Uint8Array.of(1))
    .put(db.logKey(big), Uint8Array.of(2))
    .put(db.raftStateKey('hardState'), Uint8Array.of(3))
    .put(db.stateMachineKey('kv/a'), Uint8Array.of(4))
    .put(db.stateMachineMetaKey('applied'), Uint8Array.of(5))
    .del(db.stateMachineKey('gone'))
    .write({ sync: true })
  t.same(await db.raftLog.get(encodeIndexKey(1)), Uint8Array.of(1))
  t.same(await db.raftLog.get(encodeIndexKey(big)), Uint8Array.of(2))
  t.same(await db.raftState.get('hardState'), Uint8Array.of(3))
  t.same(await db.stateMachine.get('kv/a'), Uint8Array.of(4))
  t.same(await db.stateMachineMeta.get('applied'), Uint8Array.of(5))
  t.equal(await db.stateMachine.get('gone'), undefined)
  t.same(await db.stateMachine.keys().all(), ['kv/a'], 'nothing leaked into a neighbouring sublevel')
})

t.test('writing a raw batch to a closed database is refused, naming why', async (t) => {
  const db = await ReplicaDb.open(t.testdir(), identity)
  const batch = db.rawBatch().put(db.stateMachineKey('k'), Uint8Array.of(1))
  await db.close()
  await t.rejects(batch.write({ sync: false }), { message: 'cannot write a batch: the database is closed' })
})
