/**
 * The procedures of docs/OPERATIONS.md on a real three-replica office, through the CLI: handing
 * leadership over when the first endpoint is a follower, replacing a replica whose data is lost
 * (remove, start with --join and an empty directory, add), and an office backup (every replica
 * stopped and copied) restored after later writes, which are then gone while earlier ones stay.
 */
import { cp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { startTestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'

t.setTimeout(240_000)

t.test('transfer-leader, replacing a lost replica, office backup and restore', async (t) => {
  const cluster = await startTestCluster(t)
  const dms = async (...args: string[]): Promise<unknown> => {
    const run = await runDms([...args, '--config', cluster.configPath, '--json'])
    if (run.code !== 0) throw new Error(`dms ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
    return JSON.parse(run.stdout)
  }
  const replica = (id: string) => cluster.replicas.get(id)!
  const { leader } = await cluster.waitForLeader('nyc')
  const client = cluster.client('nyc')
  await client.call('kv.put', { key: 'before-backup', value: '1' })

  // Leadership to nyc-1 when it is not the leader already, else to nyc-2: the CLI asks nyc-1 first.
  const target = leader === 'nyc-1' ? 'nyc-2' : 'nyc-1'
  t.same(await dms('office', 'transfer-leader', '--office', 'nyc', '--to', target), { office: 'nyc', transferTo: target })
  const moved = await cluster.waitForLeader('nyc', { exclude: leader! })
  t.equal(moved.leader, target, 'leadership moved to the chosen voter')

  // A follower loses its disk: it comes back as a new member.
  const lost = ['nyc-1', 'nyc-2', 'nyc-3'].find((id) => id !== target)!
  await replica(lost).kill()
  await rm(join(cluster.dataDir, lost), { recursive: true, force: true })
  t.match(await dms('office', 'remove-replica', '--office', 'nyc', '--id', lost), { office: 'nyc', id: lost, removed: true })
  const rejoined = await cluster.addReplica('nyc', ['--join'])
  t.equal(rejoined.nodeId, 'nyc-4', 'the replacement gets a fresh id in the config')
  rejoined.start()
  t.same(await dms('office', 'add-replica', '--office', 'nyc', '--id', 'nyc-4'), { office: 'nyc', id: 'nyc-4', role: 'voter' })
  const members = ['nyc-4', ...['nyc-1', 'nyc-2', 'nyc-3'].filter((id) => id !== lost)]

  // Office backup: stop every member, copy every directory, start them again.
  const backup = join(cluster.directory, 'backup')
  await Promise.all(members.map((id) => replica(id).stop()))
  for (const id of members) await cp(join(cluster.dataDir, id), join(backup, id), { recursive: true })
  for (const id of members) replica(id).start()
  await cluster.waitForLeader('nyc')
  await client.call('kv.put', { key: 'after-backup', value: '2' })
  t.equal((await client.call('kv.get', { key: 'after-backup' })).value, '2')

  // Restore: stop every member, put each directory back from the same backup, start them.
  await Promise.all(members.map((id) => replica(id).stop()))
  for (const id of members) {
    await rm(join(cluster.dataDir, id), { recursive: true, force: true })
    await cp(join(backup, id), join(cluster.dataDir, id), { recursive: true })
  }
  for (const id of members) replica(id).start()
  await cluster.waitForLeader('nyc')
  t.equal((await client.call('kv.get', { key: 'before-backup' })).value, '1', 'what was written before the backup is there')
  t.equal((await client.call('kv.get', { key: 'after-backup' })).value, null, 'what was written after it is gone')
  const status = (await dms('status')) as { offices: Array<{ members: Array<{ id: string; up: boolean }> }> }
  t.same(status.offices[0]?.members.filter((m) => m.up).map((m) => m.id).sort(), [...members].sort(), 'the restored office runs with its members')
})

t.test('a rolling restart of a follower, then an office that loses its majority and gets it back (OPERATIONS 6 and 9)', async (t) => {
  const cluster = await startTestCluster(t)
  const run = (...args: string[]) => runDms([...args, '--config', cluster.configPath, '--json'])
  const dms = async (...args: string[]): Promise<any> => {
    const result = await run(...args)
    if (result.code !== 0) throw new Error(`dms ${args.join(' ')} exited ${result.code}: ${result.stderr}`)
    return JSON.parse(result.stdout)
  }
  type Member = { id: string; role: string; up: boolean; appliedIndex: number }
  const members = async (): Promise<{ leader: string | null; members: Member[] }> => (await dms('status')).offices[0]
  const replica = (id: string) => cluster.replicas.get(id)!
  const { leader } = await cluster.waitForLeader('nyc')
  t.match(await dms('kv', 'put', 'k', 'before'), { key: 'k', value: 'before' })

  // Section 6: restart a follower; it is back up and applies as far as the leader.
  const follower = ['nyc-1', 'nyc-2', 'nyc-3'].find((id) => id !== leader)!
  await replica(follower).stop()
  replica(follower).start()
  let caughtUp = false
  for (let i = 0; i < 100 && !caughtUp; i++) {
    const office = await members()
    const applied = office.members.map((m) => (m.up ? m.appliedIndex : -1))
    caughtUp = office.leader !== null && office.members.every((m) => m.up) && new Set(applied).size === 1
    if (!caughtUp) await new Promise((resolve) => setTimeout(resolve, 200))
  }
  t.ok(caughtUp, `${follower} restarted: every member up, applied equal across members`)

  // Section 9: two of three replicas stop. No leader; writes fail naming what was tried; stale reads still answer.
  const survivor = leader!
  const stopped = ['nyc-1', 'nyc-2', 'nyc-3'].filter((id) => id !== survivor)
  await Promise.all(stopped.map((id) => replica(id).stop()))
  let office = await members()
  for (let i = 0; i < 100 && office.leader !== null; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200))
    office = await members()
  }
  t.equal(office.leader, null, 'no leader without a majority')
  t.same(office.members.filter((m) => !m.up).map((m) => m.id).sort(), stopped, 'the stopped members are DOWN')
  const refused = await run('kv', 'put', 'k', 'during')
  t.not(refused.code, 0, 'a write fails')
  t.match(refused.stderr, /^dms: kv\.put gave up after \d+ ms and \d+ attempt\(s\) to ws:\/\/127\.0\.0\.1:\d+\/client/, 'naming the endpoints tried')
  t.match(await dms('kv', 'get', 'k', '--stale'), { key: 'k', value: 'before' }, 'a stale read is answered by the survivor')

  // Bringing one back restores the majority: a leader, and writes go through.
  replica(stopped[0]!).start()
  await cluster.waitForLeader('nyc')
  t.match(await dms('kv', 'put', 'k', 'after'), { key: 'k', value: 'after' })
  t.match(await dms('kv', 'get', 'k'), { key: 'k', value: 'after' })
})
