import t, { type Test } from 'tap'
import { join } from 'node:path'
import type { ConfChange, Entry } from '../../raft/types.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { OfficeStateMachine } from '../../src/office/office-state-machine.js'
import { encodeMemberAddress, readMemberAddresses, readRemovedMembers } from '../../src/office/office-members.js'
import { defaultWorkSchedule } from '../../src/calendar/availability/work-schedule.js'

const office = { officeId: 'nyc', schedule: defaultWorkSchedule('America/New_York') }

async function openMachine(t: Test, dir: string): Promise<OfficeStateMachine> {
  const db = await ReplicaDb.open(dir, { clusterId: 'c', replicaId: 'r' })
  t.teardown(() => db.close())
  return new OfficeStateMachine(await StateMachineStore.open(db), { office })
}

const config = (index: number, change: ConfChange): Entry => ({ kind: 'config', term: 1, index, change })

t.test('a removed member stays known as removed in the keyspace, and in a snapshot restored elsewhere, until it is added again', async (t) => {
  const dir = t.testdir()
  const machine = await openMachine(t, join(dir, 'a'))
  await machine.apply([
    config(1, { type: 'addLearner', node: 'nyc-4', context: encodeMemberAddress({ host: '127.0.0.1', port: 7104 }) }),
    config(2, { type: 'removeNode', node: 'nyc-2' }),
    config(3, { type: 'removeNode', node: 'nyc-4' }),
  ])
  t.same([...(await readRemovedMembers(machine.store))].sort(), ['nyc-2', 'nyc-4'])
  t.same([...(await readMemberAddresses(machine.store)).keys()], [], 'a removed member has no address any more')

  const snapshot = await machine.snapshot()
  const restored = await openMachine(t, join(dir, 'b'))
  await restored.restore({ meta: { index: snapshot.index, term: snapshot.term, conf: { voters: ['nyc-1'], learners: [] } }, data: snapshot.data })
  t.same([...(await readRemovedMembers(restored.store))].sort(), ['nyc-2', 'nyc-4'], 'the removals survive log compaction')

  await restored.apply([config(snapshot.index + 1, { type: 'addVoter', node: 'nyc-2', context: encodeMemberAddress({ host: '127.0.0.1', port: 7102 }) })])
  t.same([...(await readRemovedMembers(restored.store))], ['nyc-4'], 'a member added back is no longer refused')
})
