import t, { type Test } from 'tap'
import { RaftRequestError, type RaftStorage } from '../../raft/driver.js'
import type { Entry } from '../../raft/types.js'
import { DriverCluster } from './driver-cluster.js'
import { encodePut } from './kv-state-machine.js'

const ids = ['n1', 'n2', 'n3']

function cluster(t: Test, options: Partial<ConstructorParameters<typeof DriverCluster>[0]> = {}): DriverCluster {
  const group = new DriverCluster({ directory: t.testdir(), ids, snapshotEvery: 1000, seed: 1, ...options })
  t.teardown(() => group.stopAll())
  return group
}

async function electedLeader(group: DriverCluster): Promise<NonNullable<ReturnType<DriverCluster['leader']>>> {
  await group.runUntil('a leader known to every running replica', () => {
    const leader = group.leader()
    return leader !== undefined && [...group.replicas.values()].every((r) => r.driver.status().leader === leader.id)
  })
  const leader = group.leader()
  if (leader === undefined) throw new Error('no leader')
  return leader
}

t.test('a leader commits many concurrent proposals with few synced writes', async (t) => {
  const group = cluster(t)
  await group.startAll()
  const leader = await electedLeader(group)

  const before = leader.driver.stats()
  const proposals = Array.from({ length: 300 }, (_, i) => leader.driver.propose(encodePut(`k${i}`, `v${i}`)))
  let settled = 0
  for (const p of proposals) void p.then(() => settled++, () => settled++)
  await group.runUntil('all proposals applied', () => settled === proposals.length)
  t.same(await Promise.all(proposals), Array.from({ length: 300 }, (_, i) => `v${i}`))

  const after = leader.driver.stats()
  const persists = after.persists - before.persists
  const entries = after.persistedEntries - before.persistedEntries
  t.equal(entries, 300, 'every proposal was persisted once')
  t.ok(persists <= 10, `group commit: ${persists} synced writes covered 300 proposals`)

  // A linearizable read on a follower waits until that follower applied everything acknowledged.
  const follower = [...group.replicas.values()].find((r) => r.id !== leader.id)
  if (follower === undefined) throw new Error('no follower')
  let readDone = false
  const read = follower.driver.read().then(() => (readDone = true))
  await group.runUntil('follower read served', () => readDone)
  await read
  t.equal(await follower.machine.value('k299'), 'v299')

  await t.rejects(follower.driver.propose(encodePut('x', 'y')), { name: 'RaftRequestError', reason: 'notLeader', leader: leader.id })
})

t.test('writes continue after the leader stops, and the stopped replica catches up by snapshot', async (t) => {
  const group = cluster(t, { snapshotEvery: 40, seed: 7 })
  await group.startAll()
  const first = await electedLeader(group)
  await commitAll(group, first.id, 0, 50)
  await group.stop(first.id)

  const second = await electedLeader(group)
  t.not(second.id, first.id, 'a new leader was elected')
  await commitAll(group, second.id, 50, 200)
  // Snapshots are taken in the background, one at a time: the last may still be under way.
  await group.runUntil('log compacted past 60', () => second.driver.status().firstIndex > 60)
  t.ok(second.driver.stats().snapshots > 0, 'the new leader compacted its log')

  const returning = await group.start(first.id)
  const target = second.driver.status().commit
  await group.runUntil('restarted replica caught up', () => returning.driver.status().applied >= target)
  t.equal(await returning.machine.value('k0'), 'v0')
  t.equal(await returning.machine.value('k199'), 'v199')
  t.equal(returning.machine.store.appliedIndex(), returning.driver.status().applied)
  t.ok(returning.machine.restores > 0, 'it installed the leader\'s snapshot')
})

t.test('every replica restores its state after a full restart', async (t) => {
  const group = cluster(t, { snapshotEvery: 30, seed: 3 })
  await group.startAll()
  const leader = await electedLeader(group)
  await commitAll(group, leader.id, 0, 70)
  await group.runUntil('all replicas applied everything', () => {
    const commit = leader.driver.status().commit
    return [...group.replicas.values()].every((r) => r.driver.status().applied === commit)
  })
  const term = leader.driver.status().term
  await group.stopAll()

  await group.startAll()
  for (const replica of group.replicas.values()) {
    const status = replica.driver.status()
    t.ok(status.term >= term, `${replica.id} kept its term`)
    t.ok(status.applied >= 70, `${replica.id} restored its applied index (${status.applied})`)
    t.equal(await replica.machine.value('k69'), 'v69')
  }
  const next = await electedLeader(group)
  await commitAll(group, next.id, 70, 80)
  t.equal(await next.machine.value('k79'), 'v79')
})

t.test('an isolated leader fails its waiting proposals once it loses leadership', async (t) => {
  const group = cluster(t, { seed: 5 })
  await group.startAll()
  const old = await electedLeader(group)
  group.isolate(old.id)
  const stranded = old.driver.propose(encodePut('lost', 'maybe'))
  let failure: unknown
  void stranded.catch((error: unknown) => (failure = error))
  await group.runUntil('the isolated leader stepped down', () => failure !== undefined)
  t.type(failure, RaftRequestError)
  t.equal((failure as RaftRequestError).reason, 'leadershipLost')
  t.equal((failure as RaftRequestError).retryable, true)

  group.heal()
  const fresh = await electedLeader(group)
  await commitAll(group, fresh.id, 0, 5)
  await group.runUntil('the old leader caught up', () => old.driver.status().applied >= fresh.driver.status().commit)
  t.equal(await old.machine.value('lost'), undefined, 'the uncommitted entry was overwritten, never applied')
})

t.test('membership changes and leadership transfer pass through the driver', async (t) => {
  const group = cluster(t, { seed: 13 })
  await group.startAll()
  const leader = await electedLeader(group)
  await commitAll(group, leader.id, 0, 3)
  await leader.driver.proposeConfChange({ type: 'addLearner', node: 'n4' })
  t.same(leader.driver.status().conf.learners, ['n4'])
  await t.rejects(leader.driver.proposeConfChange({ type: 'addLearner', node: 'n4' }), {
    name: 'RaftRequestError',
    reason: 'invalidConfChange',
    message: /already a learner/,
  })
  await leader.driver.proposeConfChange({ type: 'removeNode', node: 'n4' })

  const target = [...group.replicas.keys()].find((id) => id !== leader.id) ?? ''
  t.same(leader.driver.transferLeadership(target), { ok: true })
  await group.runUntil('leadership moved', () => group.leader()?.id === target)
  const next = await electedLeader(group)
  t.equal(next.id, target)
  await commitAll(group, target, 3, 6)
  // The leader steps down in the Ready that commits its own removal: the caller is still answered by the apply.
  await next.driver.proposeConfChange({ type: 'removeNode', node: next.id })
  t.notOk(next.driver.status().conf.voters.includes(next.id), 'a leader that removed itself hears that its removal was applied')
})

t.test('a caller that stops waiting is detached, and the entry is still applied', async (t) => {
  const group = cluster(t, { seed: 11 })
  await group.startAll()
  const leader = await electedLeader(group)
  const controller = new AbortController()
  const waiting = leader.driver.propose(encodePut('late', 'yes'), { signal: controller.signal })
  controller.abort(new Error('caller timed out'))
  await t.rejects(waiting, { message: 'caller timed out' })
  await group.runUntil('entry applied', async () => (await leader.machine.value('late')) === 'yes')
  const aborted = AbortSignal.abort(new Error('already gone'))
  await t.rejects(leader.driver.read({ signal: aborted }), { message: 'already gone' })
})

t.test("a leader's appends leave while its own write is in flight; its followers commit the entry, the caller is answered, and the state machine's write waits for the leader's", async (t) => {
  let holding: string | null = null
  const held: Array<() => void> = []
  const gated = (id: string, storage: RaftStorage): RaftStorage => ({
    persist: (batch) =>
      holding === id && batch.entries.length > 0
        ? new Promise<void>((resolve, reject) => held.push(() => storage.persist(batch).then(resolve, reject)))
        : storage.persist(batch),
    compact: (snapshot) => storage.compact(snapshot),
  })
  const group = cluster(t, { wrapStorage: gated })
  await group.startAll()
  const leader = await electedLeader(group)
  // Until a follower acknowledges the new leader's first entry it is probed, one append at a time.
  t.equal(await leader.driver.propose(encodePut('warm', 'up')), 'up')
  holding = leader.id
  const proposal = leader.driver.propose(encodePut('early', 'yes'))
  // Followers write through LevelDB's thread pool, which a loaded machine may starve for a while:
  // wait on the condition, not on a number of turns.
  let answered = false
  void proposal.then(() => (answered = true))
  t.ok(await until(() => answered), 'the caller is answered')
  t.equal(await proposal, 'yes')
  t.equal(held.length, 1, "while the leader's own write is still in flight")
  let read: string | undefined
  const reading = leader.machine.value('early').then((value) => (read = value))
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.equal(read, undefined, "a read of what it changed waits: the state machine's write waits for the log's")
  holding = null
  for (const release of held.splice(0)) release()
  await reading
  t.equal(read, 'yes')
})

t.test('a storage failure stops the replica and fails every waiting caller', async (t) => {
  let failWrites = false
  const failing = (id: string, storage: RaftStorage): RaftStorage => ({
    persist: (batch) => (failWrites && id === 'n1' ? Promise.reject(new Error('disk full')) : storage.persist(batch)),
    compact: (snapshot) => storage.compact(snapshot),
  })
  const group = new DriverCluster({ directory: t.testdir(), ids: ['n1'], snapshotEvery: 1000, seed: 2, wrapStorage: failing })
  t.teardown(() => group.stopAll())
  await group.startAll()
  const only = await electedLeader(group)
  t.equal(await only.driver.propose(encodePut('a', '1')), '1')

  failWrites = true
  const doomed = only.driver.propose(encodePut('b', '2'))
  t.equal((await only.driver.closed)?.message, 'disk full', 'closed reports the fatal error')
  await t.rejects(doomed, { reason: 'stopped', message: /replica n1 stopped: disk full/ })
  await t.rejects(only.driver.propose(encodePut('c', '3')), { name: 'RaftRequestError', reason: 'stopped' })
  await t.rejects(only.driver.read(), { name: 'RaftRequestError', reason: 'stopped' })
})

/** Polls a condition, bounded at 30 s so a real failure ends (`runUntil` would wait for replicas whose writes a test holds). */
async function until(done: () => boolean): Promise<boolean> {
  for (let i = 0; i < 6_000 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5))
  return done()
}

/** Proposes k<from>..k<to-1> on the given leader and waits until each is applied there. */
async function commitAll(group: DriverCluster, leaderId: string, from: number, to: number): Promise<void> {
  const driver = group.replica(leaderId).driver
  const pending = []
  for (let i = from; i < to; i++) pending.push(driver.propose(encodePut(`k${i}`, `v${i}`)))
  let settled = 0
  for (const p of pending) void p.then(() => settled++, () => settled++)
  await group.runUntil(`k${from}..k${to - 1} applied`, () => settled === pending.length)
  await Promise.all(pending)
}

t.test("applies overlap the replica's writes, and each apply's state machine write waits for the log writes holding its entries", async (t) => {
  const durableThrough = new Map<string, number>()
  const writesInFlight = new Map<string, number>()
  const ahead: string[] = []
  let appliedDuringWrite = 0
  const watched = (id: string, storage: RaftStorage): RaftStorage => ({
    persist: async (batch) => {
      writesInFlight.set(id, (writesInFlight.get(id) ?? 0) + 1)
      try {
        await storage.persist(batch)
      } finally {
        writesInFlight.set(id, (writesInFlight.get(id) ?? 0) - 1)
      }
      const last = batch.entries[batch.entries.length - 1]
      if (last !== undefined) durableThrough.set(id, last.index)
    },
    compact: (snapshot) => storage.compact(snapshot),
  })
  const machineHooks = (id: string) => ({
    onApply: (entries: readonly Entry[], stored: Promise<void>) => {
      const last = entries[entries.length - 1]
      if ((writesInFlight.get(id) ?? 0) > 0) appliedDuringWrite++
      void stored.then(() => {
        if (last !== undefined && last.index > (durableThrough.get(id) ?? 0)) ahead.push(`${id}: entry ${last.index} could be written to the state machine before the log`)
      })
    },
  })
  const group = cluster(t, { wrapStorage: watched, machineHooks, seed: 5 })
  await group.startAll()
  const leader = await electedLeader(group)
  // Waves of concurrent proposals: each Ready then carries new entries and earlier ones committed.
  for (let wave = 0; wave < 5; wave++) await commitAll(group, leader.id, wave * 60, wave * 60 + 60)
  t.same(ahead, [], "no state machine write was let go before the log's write of its entries")
  t.ok(appliedDuringWrite > 0, `applies overlapped a write in flight (${appliedDuringWrite} times)`)
})

t.test('a snapshot being taken does not hold up commits; the log is compacted once it is stored', async (t) => {
  let holding = true
  const held: Array<() => void> = []
  const machineHooks = () => ({
    beforeSnapshot: () => (holding ? new Promise<void>((resolve) => held.push(resolve)) : Promise.resolve()),
  })
  const group = cluster(t, { snapshotEvery: 20, machineHooks, seed: 9 })
  await group.startAll()
  const leader = await electedLeader(group)
  await commitAll(group, leader.id, 0, 100)
  t.ok(held.length > 0, 'snapshots were started and are held')
  t.equal(leader.driver.status().firstIndex, 1, 'nothing compacted while the snapshot is held')
  holding = false
  for (const release of held.splice(0)) release()
  await group.runUntil('the leader stored a snapshot', () => leader.driver.stats().snapshots > 0)
  t.ok(leader.driver.status().firstIndex > 20, 'and compacted its log')
  t.equal(await leader.machine.value('k99'), 'v99')
})
