/**
 * A short chaos run through the real CLI: 2 offices × 3 replica processes behind fault proxies,
 * 60 s of every workload (KV, one-office bookings, cross-office bookings/moves/cancels with
 * notification watchers) under a fixed seed's schedule of every supported fault kind (seed 15 draws
 * all eight: coordinator pauses and kills at a decision, clock jumps, a partition between the two
 * offices included). The run must pass every check, exercise all of the contract's checks, have
 * injected faults and acknowledged work, print the contract's JSON, and leave nothing running.
 */
import t from 'tap'
import { runDms } from '../../integration/run-dms.js'

t.setTimeout(290_000)

/** In `dms chaos`'s default order: the order is part of what the seed draws from. */
const FAULTS = ['kill', 'pause', 'partition', 'delay', 'duplicate', 'clock-jump', 'coordinator-pause', 'coordinator-kill']

t.test('dms chaos --seed 15 --duration 60 passes with faults injected', async (t) => {
  const run = await runDms(['chaos', '--seed', '15', '--duration', '60', '--faults', FAULTS.join(','), '--json'], 280_000)
  if (run.code !== 0) t.comment(`stderr tail:\n${run.stderr.split('\n').slice(-30).join('\n')}`)
  t.equal(run.code, 0, 'exit code 0')
  const report = JSON.parse(run.stdout) as {
    seed: number
    durationS: number
    faults: Array<{ kind: string; target: string; atS: number; recoveredAfterS: number | null }>
    ops: { attempted: number; acknowledged: number; failed: number; indeterminate: number }
    checks: Record<string, boolean | number>
    exercised: string[]
    ok: boolean
  }
  t.equal(report.seed, 15)
  t.equal(report.durationS, 60)
  t.equal(report.ok, true, `ok; problems: ${JSON.stringify((report as { problems?: unknown }).problems)}`)
  for (const check of ['linearizable', 'lostAcknowledgedWrites', 'doubleBookings', 'atomicityViolations', 'staleTokenWritesAccepted', 'missedNotifications']) {
    t.ok(check in report.checks, `contract check ${check} is reported`)
  }
  t.same(
    report.exercised,
    ['linearizable', 'lostAcknowledgedWrites', 'doubleBookings', 'atomicityViolations', 'staleTokenWritesAccepted', 'missedNotifications', 'multipleLeadersInATerm', 'divergentReplicas', 'quiesced', 'replicaCrashes'],
    'every check has evidence',
  )
  t.ok(report.faults.length >= 10, `faults were injected (${report.faults.length})`)
  t.same([...new Set(report.faults.map((fault) => fault.kind))].sort(), [...FAULTS].sort(), 'every supported fault kind was injected')
  t.type((report as { fencingRejected?: unknown }).fencingRejected, 'number', 'fenced-off cross-office messages are counted')
  const xoffice = (report as { opsByKind?: Record<string, Record<string, { acknowledged: number }>> }).opsByKind?.xoffice ?? {}
  t.ok((xoffice.xbook?.acknowledged ?? 0) > 0, 'cross-office bookings were answered')
  // Throughput depends on the machine's load (no speed targets in tests): every workload did some work.
  const byWorkload = (report as { opsByWorkload?: Record<string, { acknowledged: number }> }).opsByWorkload ?? {}
  for (const workload of ['kv', 'bookings', 'xoffice']) t.ok((byWorkload[workload]?.acknowledged ?? 0) > 0, `${workload} operations were acknowledged`)
  t.equal(report.ops.attempted, report.ops.acknowledged + report.ops.failed + report.ops.indeterminate, 'every attempt has one outcome')
})
