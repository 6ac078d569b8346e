import t from 'tap'
import { join } from 'node:path'
import { RaftDriver } from '../../raft/driver.js'
import { RaftLogStore } from '../../storage/raft-log-store.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { seededRandom, testRaftConfig } from './driver-cluster.js'
import { KvStateMachine } from './kv-state-machine.js'

const conf = { voters: ['r1', 'r2', 'r3'], learners: [] }
const config = testRaftConfig('r1', seededRandom(1), 8)
const stillTicker = { start: () => ({ stop: () => {} }) }

t.test('a crash between storing a received snapshot and installing it is repaired on start', async (t) => {
  const root = t.testdir()
  // The snapshot a leader would have sent: its state machine at index 5.
  const leaderDb = await ReplicaDb.open(join(root, 'leader'), { clusterId: 'c', replicaId: 'r2' })
  const leaderStore = await StateMachineStore.open(leaderDb)
  await leaderStore.commit([{ type: 'put', key: 'greeting', value: Buffer.from('hello') }], { index: 5, term: 1 })
  const produced = await leaderStore.snapshotData()
  await leaderDb.close()

  // The follower stored it durably, then died before its state machine installed it.
  const db = await ReplicaDb.open(join(root, 'follower'), { clusterId: 'c', replicaId: 'r1' })
  t.teardown(() => db.close())
  const log = await RaftLogStore.open(db)
  await log.persist({
    snapshot: { meta: { index: produced.index, term: produced.term, conf }, data: produced.data },
    entries: [],
    hardState: { term: 1, vote: null, commit: 5 },
  })
  const machine = new KvStateMachine(await StateMachineStore.open(db))
  t.equal(machine.store.appliedIndex(), 0)

  const restored = await log.load({ applied: machine.store.appliedIndex(), conf })
  const driver = await RaftDriver.start({
    config,
    restored,
    storage: log,
    transport: { send: () => {} },
    stateMachine: machine,
    ticker: stillTicker,
    snapshotEvery: 100,
  })
  t.teardown(() => driver.stop())
  t.equal(machine.store.appliedIndex(), 5)
  t.equal(await machine.value('greeting'), 'hello')
  t.equal(driver.status().applied, 5)
})

t.test('bad driver options are named', async (t) => {
  const db = await ReplicaDb.open(t.testdir(), { clusterId: 'c', replicaId: 'r1' })
  t.teardown(() => db.close())
  const log = await RaftLogStore.open(db)
  const machine = new KvStateMachine(await StateMachineStore.open(db))
  const base = {
    config,
    restored: await log.load({ applied: 0, conf }),
    storage: log,
    transport: { send: () => {} },
    stateMachine: machine,
    ticker: stillTicker,
  }
  await t.rejects(RaftDriver.start({ ...base, snapshotEvery: 0 }), /RaftDriverOptions.snapshotEvery must be a positive integer, got 0/)
})
