import t, { type Test } from 'tap'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freeLoopbackPort } from '../../src/cluster/ephemeral-cluster.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import type { ClusterConfig } from '../../src/config/cluster-config-schema.js'
import type { EventLogger } from '../../src/logging/event-logger.js'
import { OfficeReplica } from '../../src/node/office-replica.js'
import { checkStoredMembership, storedMembership } from '../../src/security/stored-membership-check.js'
import type { RestoredState } from '../../raft/types.js'
import { nycOffice } from './nyc-office.js'

const quiet: EventLogger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet }

async function configFor(clusterId: string, replicaIds: readonly string[]): Promise<ClusterConfig> {
  const replicas = await Promise.all(replicaIds.map(async (id) => ({ id, host: '127.0.0.1', port: await freeLoopbackPort() })))
  return parseClusterConfig({ clusterId, timing: { tickMs: 10, electionTicks: 5, heartbeatTicks: 1 }, offices: [nycOffice(replicas)] }, 'test').config
}

async function dataDir(t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dms-datadir-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

async function startStop(config: ClusterConfig, dir: string): Promise<void> {
  const node = await OfficeReplica.start({ config, nodeId: 'nyc-1', dataDir: dir, logger: quiet })
  await node.stop()
}

t.test("a data directory of another cluster is refused at startup, and left as it was", async (t) => {
  const dir = await dataDir(t)
  await startStop(await configFor('acme', ['nyc-1', 'nyc-2', 'nyc-3']), dir)
  await t.rejects(startStop(await configFor('globex', ['nyc-1', 'nyc-2', 'nyc-3']), dir), /belongs to cluster "acme", not "globex"/)
  await startStop(await configFor('acme', ['nyc-1', 'nyc-2', 'nyc-3']), dir)
  t.pass('its own cluster still starts on it')
})

t.test('a corrupt or foreign directory is refused, never started empty', async (t) => {
  const dir = await dataDir(t)
  await mkdir(join(dir, 'nyc-1'))
  await writeFile(join(dir, 'nyc-1', 'notes.txt'), 'not a database')
  await t.rejects(startStop(await configFor('acme', ['nyc-1']), dir), /nyc-1.*not empty and holds no LevelDB database/)
})

t.test('a config whose office shares no replica with the stored group is refused (it would split the office)', async (t) => {
  const dir = await dataDir(t)
  await startStop(await configFor('acme', ['nyc-1', 'nyc-2', 'nyc-3']), dir)
  await t.rejects(
    startStop(await configFor('acme', ['nyc-1', 'nyc-7', 'nyc-8']), dir),
    /the config lists office nyc as nyc-1, nyc-7, nyc-8, but the data records its members as nyc-1, nyc-2, nyc-3; .*would split the office/,
  )
})

t.test('stored membership follows the snapshot and the config entries after it', async (t) => {
  const restored: RestoredState = {
    hardState: { term: 3, vote: null, commit: 12 },
    snapshot: { meta: { index: 10, term: 2, conf: { voters: ['nyc-1', 'nyc-2', 'nyc-3'], learners: [] } }, data: new Uint8Array() },
    entries: [
      { kind: 'config', term: 3, index: 11, change: { type: 'removeNode', node: 'nyc-3' } },
      { kind: 'config', term: 3, index: 12, change: { type: 'addLearner', node: 'nyc-4' } },
    ],
    applied: 10,
    conf: { voters: [], learners: [] },
  }
  t.same(storedMembership(restored), { voters: ['nyc-1', 'nyc-2'], learners: ['nyc-4'] })
  const office = (await configFor('acme', ['nyc-1', 'nyc-2', 'nyc-3'])).offices[0]
  if (office === undefined) throw new Error('no office')
  t.throws(() => checkStoredMembership(restored, 'nyc-3', office, '/data/nyc-3'), /\/data\/nyc-3: the stored membership of office nyc is nyc-1, nyc-2, nyc-4, which does not include nyc-3/)
  t.doesNotThrow(() => checkStoredMembership(restored, 'nyc-4', office, '/data/nyc-4'), 'a learner added later starts')
  t.doesNotThrow(() => checkStoredMembership({ ...restored, snapshot: null, entries: [] }, 'nyc-9', office, '/d'), 'nothing stored yet: nothing to compare')
})
