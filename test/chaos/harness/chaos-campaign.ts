/**
 * `npm run chaos:long`: many seeded chaos runs in a row, each a `dms chaos --json` child process,
 * then one summary table. Exits 1 if any run failed; its replay command is in the table's notes.
 *
 *   tsx test/chaos/harness/chaos-campaign.ts [--seeds 20] [--duration 180] [--first-seed 1] [--faults LIST] [--reports DIR]
 *
 * With --reports, each run's JSON report and stderr are kept there as seed-N.json / seed-N.log.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { DEFAULT_FAULTS } from '../../../src/chaos/harness/chaos-run.js'
import { runDms } from '../../integration/run-dms.js'

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    duration: { type: 'string', default: '180' },
    'first-seed': { type: 'string', default: '1' },
    faults: { type: 'string', default: DEFAULT_FAULTS.join(',') },
    reports: { type: 'string' },
  },
})

function count(name: string, text: string): number {
  const value = Number(text)
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name}: expected a non-negative integer, got "${text}"`)
  return value
}

interface RunSummary {
  readonly ok: boolean
  readonly faults: number
  readonly ops: { readonly attempted: number; readonly acknowledged: number; readonly indeterminate: number }
  readonly checks: Readonly<Record<string, boolean | number>>
  readonly linearizability: { readonly keys: number; readonly unknownKeys: number } | null
  readonly fencingRejected: number | null
  readonly faultsList: ReadonlyArray<{ readonly recoveredAfterS: number | null }>
  readonly replay: string
  readonly problems: readonly string[]
}

const seeds = count('seeds', values.seeds)
const durationS = count('duration', values.duration)
const firstSeed = count('first-seed', values['first-seed'])
const rows: string[][] = []
const failures: string[] = []
// Boot, quiescence and checks are bounded inside the run; this only catches a hung child.
const childTimeoutMs = (durationS + 420) * 1000

for (let seed = firstSeed; seed < firstSeed + seeds; seed++) {
  const started = Date.now()
  const run = await runDms(['chaos', '--seed', String(seed), '--duration', String(durationS), '--faults', values.faults, '--json'], childTimeoutMs)
  const wallS = Math.round((Date.now() - started) / 1000)
  if (values.reports !== undefined) {
    await mkdir(values.reports, { recursive: true })
    await writeFile(join(values.reports, `seed-${seed}.json`), run.stdout)
    await writeFile(join(values.reports, `seed-${seed}.log`), run.stderr)
  }
  let report: RunSummary | null = null
  try {
    const parsed = JSON.parse(run.stdout) as Omit<RunSummary, 'faults' | 'faultsList'> & { faults: RunSummary['faultsList'] }
    report = { ...parsed, faults: parsed.faults.length, faultsList: parsed.faults }
  } catch {
    report = null
  }
  if (report === null) {
    failures.push(`seed ${seed}: no report (exit ${run.code}); stderr tail: ${run.stderr.split('\n').slice(-5).join(' | ')}`)
    rows.push([String(seed), 'ERROR', '-', '-', '-', '-', '-', '-', '-', `${wallS}s`])
    process.stderr.write(`seed ${seed}: no report\n`)
    continue
  }
  const recoveries = report.faultsList.flatMap((fault) => (fault.recoveredAfterS === null ? [] : [fault.recoveredAfterS]))
  const maxRecovery = recoveries.length === 0 ? '-' : `${Math.max(...recoveries)}s`
  if (!report.ok) failures.push(`seed ${seed}: ${report.problems.slice(0, 3).join(' | ')}; replay: ${report.replay}`)
  rows.push([
    String(seed),
    report.ok ? 'ok' : 'FAIL',
    String(report.faults),
    String(report.ops.attempted),
    String(report.ops.acknowledged),
    String(report.ops.indeterminate),
    `${report.checks['linearizable']}${report.linearizability !== null && report.linearizability.unknownKeys > 0 ? ` (${report.linearizability.unknownKeys} unknown)` : ''}`,
    maxRecovery,
    String(report.fencingRejected ?? '-'),
    `${wallS}s`,
  ])
  process.stderr.write(`seed ${seed}: ${report.ok ? 'ok' : 'FAIL'} (${report.faults} faults, ${report.ops.acknowledged} acknowledged, ${wallS}s)\n`)
}

const header = ['seed', 'result', 'faults', 'attempted', 'acked', 'indeterminate', 'linearizable', 'max recovery', 'fenced', 'wall']
const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)))
const line = (cells: readonly string[]) => `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`
process.stdout.write(
  [
    `chaos campaign: ${seeds} seed(s) from ${firstSeed}, ${durationS}s each, faults ${values.faults}`,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    failures.length === 0 ? `all ${seeds} runs passed` : `${failures.length} run(s) failed:\n${failures.join('\n')}`,
  ].join('\n') + '\n',
)
process.exitCode = failures.length === 0 ? 0 : 1
