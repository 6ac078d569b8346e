/**
 * Seed 3 of the long campaign lost office nyc: the replacement of a wiped replica failed (its
 * removal was retried after a leader change and refused), which left the office one replica short
 * for good, and a later data loss, planned for a whole office, wiped a second one: a majority lost.
 * The nemesis must count a replica whose heal failed as still down and refuse any fault that would
 * take the office below its majority, whatever the schedule planned.
 */
import t from 'tap'
import type { ScheduledFault } from '../../../src/chaos/fault-schedule.js'
import { Nemesis, type NemesisCluster } from '../../../src/chaos/harness/nemesis.js'

/** A 3-replica office of stand-ins whose replacement of a wiped replica always fails. */
function failingOffice() {
  const wiped: string[] = []
  const killed: string[] = []
  /** Every replica ever killed, paused or wiped, in order. */
  const struck: string[] = []
  const stillRunning = (node: string) => !wiped.includes(node) && !killed.includes(node)
  const strike = (node: string, into: string[]) => {
    into.push(node)
    struck.push(node)
  }
  const revive = (node: string) => killed.splice(killed.indexOf(node), 1)
  const cluster = {
    topology: { offices: [{ id: 'nyc', members: ['nyc-1', 'nyc-2', 'nyc-3'] }] },
    replica: (node: string) => ({
      pid: null,
      kill: async () => strike(node, killed),
      start: () => revive(node),
      pause: () => strike(node, killed),
      resume: () => revive(node),
    }),
    wipe: async (node: string) => strike(node, wiped),
    replace: async (node: string) => {
      throw new Error(`replacing ${node} failed`)
    },
  } as unknown as NemesisCluster
  return { cluster, wiped, killed, struck, stillRunning }
}

async function run(schedule: readonly ScheduledFault[], cluster: NemesisCluster, untilS: number): Promise<Nemesis> {
  const hooksDirectory = '/nonexistent-hooks'
  const started = performance.now()
  const nemesis = new Nemesis({ cluster, schedule, leaderOf: () => 'nyc-1', elapsedS: () => (performance.now() - started) / 1000, hooksDirectory })
  nemesis.start()
  await new Promise((resolve) => setTimeout(resolve, untilS * 1000))
  return nemesis
}

const lossOfNyc2: ScheduledFault = { kind: 'data-loss', atS: 0, durationS: 0.05, target: { kind: 'node', id: 'nyc-2' } }

t.test('after a failed replacement, a second data loss in the office is skipped', async (t) => {
  const { cluster, wiped, stillRunning } = failingOffice()
  const nemesis = await run([lossOfNyc2, { kind: 'data-loss', atS: 0.3, durationS: 0.05, target: { kind: 'node', id: 'nyc-1' } }], cluster, 0.6)
  t.match(nemesis.healFailures, [/healing data-loss nyc-2 .* failed: replacing nyc-2 failed/], 'the replacement failure is reported')
  t.same(wiped, ['nyc-2'], 'only the first replica was wiped')
  t.match(nemesis.records[1], { kind: 'data-loss', target: 'nyc-1', skipped: /office "nyc" can spare 1 replica\(s\) and has 1 down \(nyc-2\)/ })
  t.ok(stillRunning('nyc-1') && stillRunning('nyc-3'), 'the office keeps its majority')
})

t.test('after a failed replacement, kills and pauses of the office are skipped too', async (t) => {
  const { cluster, struck } = failingOffice()
  const nemesis = await run(
    [
      lossOfNyc2,
      { kind: 'kill', atS: 0.3, durationS: 0.05, target: { kind: 'node', id: 'nyc-3' } },
      { kind: 'pause', atS: 0.4, durationS: 0.05, target: { kind: 'leader', office: 'nyc' } },
    ],
    cluster,
    0.7,
  )
  t.same(struck, ['nyc-2'], 'nothing else was taken down')
  t.same(
    nemesis.records.map((record) => record.skipped !== null),
    [false, true, true],
  )
})

t.test('a fault on the wiped replica itself while it is down is skipped', async (t) => {
  const { cluster, wiped } = failingOffice()
  const nemesis = await run([lossOfNyc2, { kind: 'data-loss', atS: 0.3, durationS: 0.05, target: { kind: 'node', id: 'nyc-2' } }], cluster, 0.6)
  t.same(wiped, ['nyc-2'])
  t.match(nemesis.records[1], { target: 'nyc-2', skipped: 'the replica is already down' })
})

t.test('a healthy office can still lose the one replica it can spare', async (t) => {
  const { cluster, killed } = failingOffice()
  const nemesis = await run([{ kind: 'kill', atS: 0, durationS: 0.1, target: { kind: 'node', id: 'nyc-3' } }], cluster, 0.3)
  t.same(nemesis.records.map((record) => [record.target, record.skipped]), [['nyc-3', null]])
  t.same(killed, [], 'killed and restarted')
  t.not(nemesis.records[0]?.endS, null, 'healed')
})
