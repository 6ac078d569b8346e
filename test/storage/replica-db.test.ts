import t from 'tap'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ReplicaDb, ReplicaDbError } from '../../storage/replica-db.js'

const nyc1 = { clusterId: 'local', replicaId: 'nyc-1' }

t.test('first open records the identity, reopening with it works', async (t) => {
  const dir = join(t.testdir(), 'replica')
  const db = await ReplicaDb.open(dir, nyc1)
  await db.stateMachine.put('k', Uint8Array.of(1))
  await db.close()
  const again = await ReplicaDb.open(dir, nyc1)
  t.same(await again.stateMachine.get('k'), Uint8Array.of(1))
  await again.close()
})

t.test("another replica's or another cluster's directory is refused", async (t) => {
  const dir = t.testdir()
  await (await ReplicaDb.open(dir, nyc1)).close()
  await t.rejects(ReplicaDb.open(dir, { clusterId: 'local', replicaId: 'nyc-2' }), {
    name: 'ReplicaDbError',
    message: /belongs to replica "nyc-1", not "nyc-2"/,
  })
  await t.rejects(ReplicaDb.open(dir, { clusterId: 'prod', replicaId: 'nyc-1' }), {
    message: /belongs to cluster "local", not "prod"/,
  })
  // The refusals closed the database: the rightful owner can still open it.
  await (await ReplicaDb.open(dir, nyc1)).close()
})

t.test('a directory with foreign files, a corrupt database or a bad id is refused', async (t) => {
  const foreign = t.testdir({ 'notes.txt': 'hello' })
  await t.rejects(ReplicaDb.open(foreign, nyc1), /is not empty and holds no LevelDB database/)

  const corrupt = join(t.testdir(), 'corrupt')
  await (await ReplicaDb.open(corrupt, nyc1)).close()
  await writeFile(join(corrupt, 'CURRENT'), 'MANIFEST-999999\n')
  const failure = await ReplicaDb.open(corrupt, nyc1).then(
    () => null,
    (error: unknown) => error,
  )
  t.type(failure, ReplicaDbError)
  t.match((failure as Error).message, /^replica directory .*corrupt: cannot open LevelDB/)

  await t.rejects(ReplicaDb.open(t.testdir(), { clusterId: 'local', replicaId: 'bad id' }), {
    message: /replicaId "bad id" must be 1-128 of/,
  })
})

t.test('a database with data but without an identity is refused', async (t) => {
  const dir = t.testdir()
  const db = await ReplicaDb.open(dir, nyc1)
  await db.stateMachine.put('k', Uint8Array.of(1))
  await db.root.sublevel('meta').del('identity')
  await db.close()
  await t.rejects(ReplicaDb.open(dir, nyc1), /holds data \(first key .*\) but no replica identity/)
})

t.test('a second open of a directory in use is refused', async (t) => {
  const dir = t.testdir()
  const db = await ReplicaDb.open(dir, nyc1)
  t.teardown(() => db.close())
  await t.rejects(ReplicaDb.open(dir, nyc1), /cannot open LevelDB/)
})
