/**
 * Seeds 12 and 17 of the long campaign ended with a replica stopped for good after a
 * coordinator-pause "at a decision". The replica stops itself through its after-decision hook; the
 * nemesis used to send its own SIGSTOP as soon as it saw the hook's done file. On a loaded machine
 * that SIGSTOP could land between the replica's writing the file and its own SIGSTOP, and the
 * heal's SIGCONT then only let the replica carry out its own stop, with nobody left to resume it.
 * Here a stand-in coordinator is preempted exactly there (300 ms); the pause must still end with
 * the process running again.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { ReplicaProcess } from '../../../src/cluster/replica-process.js'
import { Nemesis, type NemesisCluster } from '../../../src/chaos/harness/nemesis.js'
import { describeProcessState, waitUntilStopped } from '../../../src/chaos/harness/process-state.js'
import { CHAOS_HOOKS_ENV } from '../../../src/node/chaos-test-hooks.js'
import { fixtureLauncher } from '../fixtures/fixture-launcher.js'

t.setTimeout(60_000)

const linuxOnly = { skip: process.platform === 'linux' ? false : 'reads process states from Linux /proc' }

/** A running stand-in coordinator `nyc-1` with its hooks directory, and a nemesis cluster holding only it. */
async function standIn(t: Test) {
  const hooksDirectory = await mkdtemp(join(tmpdir(), 'dms-nemesis-test-'))
  const previous = process.env[CHAOS_HOOKS_ENV]
  process.env[CHAOS_HOOKS_ENV] = hooksDirectory
  const lines: string[] = []
  const replica = new ReplicaProcess({
    nodeId: 'nyc-1',
    launcher: fixtureLauncher('coordinator-preempted-at-decision.ts'),
    configPath: 'unused',
    dataDir: 'unused',
    onLine: (_, line) => lines.push(line),
  })
  t.teardown(async () => {
    await replica.stop(1000)
    if (previous === undefined) delete process.env[CHAOS_HOOKS_ENV]
    else process.env[CHAOS_HOOKS_ENV] = previous
    await rm(hooksDirectory, { recursive: true, force: true })
  })
  const until = async (what: string, condition: () => boolean) => {
    for (let waited = 0; !condition(); waited += 50) {
      if (waited > 20_000) throw new Error(`timed out waiting for ${what}; the stand-in is ${await describeProcessState(replica.pid)}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  replica.start()
  await until('the stand-in to start', () => lines.includes('ready'))
  // Only the topology and the replicas are used by pauses and heal-all; the rest is never reached.
  // The office has three replicas, so it can spare the one paused; the other two are never started.
  const idle = { pid: null }
  const cluster = {
    topology: { offices: [{ id: 'nyc', members: ['nyc-1', 'nyc-2', 'nyc-3'] }] },
    replica: (node: string) => (node === 'nyc-1' ? replica : idle),
  } as unknown as NemesisCluster
  return { hooksDirectory, replica, lines, until, cluster }
}

t.test('a coordinator that stops itself at a decision runs again after the pause', linuxOnly, async (t) => {
  const { hooksDirectory, replica, lines, until, cluster } = await standIn(t)
  const started = performance.now()
  const nemesis = new Nemesis({
    cluster,
    schedule: [{ kind: 'coordinator-pause', office: 'nyc', atS: 0, durationS: 1 }],
    leaderOf: () => 'nyc-1',
    elapsedS: () => (performance.now() - started) / 1000,
    hooksDirectory,
  })
  nemesis.start()
  await until('the pause to be healed', () => nemesis.records[0]?.endS !== null && nemesis.records[0]?.endS !== undefined)
  t.equal(nemesis.records[0]?.detail, 'at a decision', 'the stand-in stopped itself at a decision')
  await until('the stand-in to run again', () => lines.includes('continued'))
  t.pass('after the heal the stand-in ran again')
  t.notMatch(await describeProcessState(replica.pid), /stopped/, 'and is not stopped')
  await nemesis.healAll()
  t.same(nemesis.healFailures, [], 'nothing was left stopped')
})

t.test('a replica left stopped when every fault is healed is reported, and resumed', linuxOnly, async (t) => {
  const { hooksDirectory, replica, cluster } = await standIn(t)
  const nemesis = new Nemesis({ cluster, schedule: [], leaderOf: () => 'nyc-1', elapsedS: () => 0, hooksDirectory })
  replica.pause()
  t.ok(await waitUntilStopped(replica.pid ?? 0, 5000), 'stopped without the nemesis knowing')
  await nemesis.healAll()
  t.same(nemesis.healFailures, ['nyc-1 was still stopped after every fault was healed; resumed for the settle phase'])
  t.notMatch(await describeProcessState(replica.pid), /stopped/, 'it runs for the settle phase')
})
