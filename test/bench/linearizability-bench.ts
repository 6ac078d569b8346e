/**
 * How long the linearizability checker takes on a chaos-sized KV history: 10,000 operations over
 * 200 keys from 16 concurrent clients (5% of them timed out, 2% rejected), plus a harsher mix
 * with 20% timeouts, and the first mix with one read corrupted (a violation makes the search
 * exhaust that key's whole space, the expensive case). Run with `npm run bench:linearizability`; prints one JSON line per case.
 */
import { checkKvHistory } from '../../src/chaos/linearizability/check-kv-history.js'
import { SeededRandom } from '../../src/chaos/seeded-random.js'
import { simulateKvHistory } from '../chaos/simulated-kv-history.js'
import type { KvHistoryOp } from '../../src/chaos/linearizability/kv-history.js'

const cases = [
  { name: '10k ops, 200 keys, 16 clients, 5% indeterminate', keys: 200, indeterminateRate: 0.05, corruptOneRead: false, runs: 5 },
  { name: '10k ops, 200 keys, 16 clients, 20% indeterminate', keys: 200, indeterminateRate: 0.2, corruptOneRead: false, runs: 5 },
  {
    name: '10k ops, 200 keys, 16 clients, 5% indeterminate, one read corrupted',
    keys: 200,
    indeterminateRate: 0.05,
    corruptOneRead: true,
    runs: 5,
  },
  // The cost grows with operations per key: the same load on 2 keys is the stress case.
  { name: '10k ops, 2 keys, 16 clients, 5% indeterminate', keys: 2, indeterminateRate: 0.05, corruptOneRead: false, runs: 1 },
]

// One untimed check first, so the JIT has compiled the search before anything is measured.
checkKvHistory(
  simulateKvHistory({ clients: 16, keys: 200, ops: 10_000, indeterminateRate: 0.05, failRate: 0.02 }, new SeededRandom(0)),
  { now: () => performance.now() },
)

for (const benchCase of cases) {
  const timings: number[] = []
  const cpuTimings: number[] = []
  let maxSteps = 0
  let verdict: boolean | 'unknown' = 'unknown'
  for (let seed = 1; seed <= benchCase.runs; seed++) {
    const history = simulateKvHistory(
      { clients: 16, keys: benchCase.keys, ops: 10_000, indeterminateRate: benchCase.indeterminateRate, failRate: 0.02 },
      new SeededRandom(seed),
    )
    if (benchCase.corruptOneRead) corruptLastRead(history)
    const started = performance.now()
    const cpuBefore = process.cpuUsage()
    const report = checkKvHistory(history, { now: () => performance.now() })
    const cpu = process.cpuUsage(cpuBefore)
    timings.push(performance.now() - started)
    // CPU time too: on a shared machine, wall time mostly measures waiting for a core.
    cpuTimings.push((cpu.user + cpu.system) / 1000)
    verdict = report.linearizable
    maxSteps = Math.max(maxSteps, ...report.perKey.map((key) => key.steps))
    // The stress case may honestly end 'unknown' (budget exhausted); anything else wrong is a bug.
    if (report.linearizable !== !benchCase.corruptOneRead && !(benchCase.keys === 2 && report.linearizable === 'unknown')) {
      throw new Error(`seed ${seed}: ${benchCase.name} was judged ${report.linearizable}`)
    }
  }
  timings.sort((a, b) => a - b)
  cpuTimings.sort((a, b) => a - b)
  console.log(
    JSON.stringify({
      case: benchCase.name,
      runs: benchCase.runs,
      verdict,
      medianMs: Number((timings[Math.floor(timings.length / 2)] ?? 0).toFixed(1)),
      maxMs: Number((timings[timings.length - 1] ?? 0).toFixed(1)),
      medianCpuMs: Number((cpuTimings[Math.floor(cpuTimings.length / 2)] ?? 0).toFixed(1)),
      maxStepsPerKey: maxSteps,
    }),
  )
}

/** The last acknowledged read now reports a value nobody wrote. */
function corruptLastRead(history: KvHistoryOp[]): void {
  for (let index = history.length - 1; index >= 0; index--) {
    const op = history[index]
    if (op?.kind === 'get' && op.outcome.status === 'ok') {
      history[index] = { ...op, outcome: { ...op.outcome, value: 'never-written' } }
      return
    }
  }
}
