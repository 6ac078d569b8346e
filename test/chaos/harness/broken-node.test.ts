/**
 * The harness must fail a cluster that is wrong. Here every replica is a test-only `dms` whose
 * "linearizable" reads skip the ReadIndex barrier (test/chaos/fixtures/dms-without-read-barrier.ts),
 * so a replica that has not yet learned of a committed write answers with an older value. A 30 s
 * run of one office must come out not ok, with linearizability violations found (not merely
 * unproven). The same run against the real node is the short run, which must pass.
 */
import t from 'tap'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runChaos } from '../../../src/chaos/harness/chaos-run.js'

t.setTimeout(240_000)

const REPO = resolve(fileURLToPath(new URL('../../..', import.meta.url)))

t.test('a node that serves reads without a read barrier fails the chaos run', async (t) => {
  const report = await runChaos({
    launcher: { command: process.execPath, args: ['--import', 'tsx', join(REPO, 'test/chaos/fixtures/dms-without-read-barrier.ts')] },
    offices: [{ id: 'nyc', timeZone: 'America/New_York', replicas: 3 }],
    seed: 1,
    durationS: 30,
    faults: ['kill', 'pause', 'partition', 'delay'],
    workloads: ['kv'],
    replay: 'broken-node test',
  })
  t.equal(report.ok, false, 'the run fails')
  t.equal(report.checks.linearizable, false)
  t.ok((report.linearizability?.violatedKeys ?? 0) > 0, `violations were found (${report.linearizability?.violatedKeys} keys), not just unproven keys`)
  t.match(report.problems[0] ?? '', /cannot be linearized next/, 'the problem explains the violation')
  t.equal(report.checks.quiesced, true, 'the cluster itself settled: the failure is the reads')
})
