/**
 * A short chaos run through the real CLI with the data-loss nemesis: seed 6's 45 s schedule wipes
 * nyc-3 and lon-1 (each is replaced by a new member that rebuilds from its office's leader), and
 * later faults the schedule aims at nyc-3 strike its replacement. Every workload runs; the run must
 * quiesce with the new members caught up (the replica-state check compares them with the others)
 * and pass every check.
 */
import t from 'tap'
import { runDms } from '../../integration/run-dms.js'

t.setTimeout(290_000)

t.test('dms chaos --seed 6 with data-loss heals, the new members catch up and the checks pass', async (t) => {
  const run = await runDms(['chaos', '--seed', '6', '--duration', '45', '--faults', 'kill,pause,partition,data-loss', '--json'], 280_000)
  if (run.code !== 0) t.comment(`stderr tail:\n${run.stderr.split('\n').slice(-30).join('\n')}`)
  t.equal(run.code, 0, 'exit code 0')
  const report = JSON.parse(run.stdout) as {
    offices: Array<{ id: string; replicas: string[] }>
    faults: Array<{ kind: string; target: string; healedAtS: number | null; detail?: string }>
    exercised: string[]
    problems: string[]
    ok: boolean
  }
  t.equal(report.ok, true, `ok; problems: ${JSON.stringify(report.problems)}`)
  const wiped = report.faults.filter((fault) => fault.kind === 'data-loss')
  t.same(
    wiped.map((fault) => [fault.target, fault.detail]),
    [
      ['nyc-3', 'replaced by nyc-4'],
      ['lon-1', 'replaced by lon-4'],
    ],
    'both wiped replicas were replaced by new members',
  )
  t.ok(wiped.every((fault) => fault.healedAtS !== null), 'every replacement finished')
  t.same(report.offices, [
    { id: 'nyc', replicas: ['nyc-1', 'nyc-2', 'nyc-4'] },
    { id: 'lon', replicas: ['lon-2', 'lon-3', 'lon-4'] },
  ])
  t.ok(
    report.faults.some((fault) => fault.kind === 'pause' && fault.target === 'nyc-4'),
    'a fault scheduled against nyc-3 after its replacement struck nyc-4',
  )
  for (const check of ['quiesced', 'divergentReplicas', 'multipleLeadersInATerm', 'linearizable', 'lostAcknowledgedWrites']) {
    t.ok(report.exercised.includes(check), `${check} was checked`)
  }
})
