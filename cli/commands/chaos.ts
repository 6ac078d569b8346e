/** `dms chaos`: a seeded chaos run against a throwaway cluster, with a JSON or readable report. */
import { randomInt } from 'node:crypto'
import { stat } from 'node:fs/promises'
import { InvalidArgumentError, Option, type Command } from 'commander'
import type { EphemeralOffice } from '../../src/cluster/ephemeral-cluster.js'
import { currentDmsLauncher } from '../../src/cluster/replica-process.js'
import { parseFaultKinds, type FaultKind } from '../../src/chaos/fault-schedule.js'
import { ChaosRunAborted, DEFAULT_FAULTS, runChaos, WORKLOAD_NAMES, type WorkloadName } from '../../src/chaos/harness/chaos-run.js'
import type { ChaosReport } from '../../src/chaos/harness/chaos-report.js'
import type { OfficeLatency } from '../../src/chaos/proxy-network.js'
import { oneWayDelayMs } from '../../src/config/cluster-topology.js'
import { parseNonNegativeInteger, parsePositiveInteger } from '../cli-arguments.js'
import { loadConfigForCli } from '../cli-config.js'
import { formatTable, printResult } from '../cli-output.js'
import { progressReporter } from '../progress-reporter.js'

interface ChaosOptions {
  readonly config?: string
  readonly duration: number
  readonly seed?: number
  readonly faults: readonly FaultKind[]
  readonly workloads: readonly WorkloadName[]
  readonly offices?: number
  readonly replicas: number
  readonly clients: number
  readonly keys: number
  readonly json?: boolean
  readonly replicaLogs?: string
}

/** Offices made up when no config is given: ids and the zones they would have. */
const OFFICE_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['nyc', 'America/New_York'],
  ['lon', 'Europe/London'],
  ['tok', 'Asia/Tokyo'],
  ['syd', 'Australia/Sydney'],
  ['sfo', 'America/Los_Angeles'],
]

export function registerChaosCommand(program: Command): void {
  program
    .command('chaos')
    .description('boot a throwaway cluster behind fault proxies, run a workload under seeded faults, heal, check, report (exit 1 unless ok)')
    .option('--config <file>', 'take the offices (ids, zones, replica counts), Raft timing and inter-office delays from this cluster config')
    .option('--duration <s>', 'seconds of workload under faults', parsePositiveInteger('--duration', 24 * 3600), 60)
    .option('--seed <n>', 'seed of the fault schedule and the workload (default: random, printed in the report)', parseNonNegativeInteger('--seed'))
    .addOption(new Option('--faults <kinds>', 'comma-separated fault kinds').argParser(parseFaults).default(DEFAULT_FAULTS, DEFAULT_FAULTS.join(',')))
    .addOption(new Option('--workloads <names>', 'comma-separated workloads').argParser(parseWorkloads).default([...WORKLOAD_NAMES], WORKLOAD_NAMES.join(',')))
    .option('--offices <n>', `offices to boot without --config (default 2, at most ${OFFICE_NAMES.length})`, parsePositiveInteger('--offices', OFFICE_NAMES.length))
    .option('--replicas <n>', 'replicas per office without --config', parsePositiveInteger('--replicas', 9), 3)
    .option('--clients <n>', 'concurrent KV clients per office', parsePositiveInteger('--clients', 256), 8)
    .option('--keys <n>', 'KV keys per office', parsePositiveInteger('--keys', 100_000), 200)
    .option('--json', 'print the report as one JSON document')
    .option('--replica-logs <dir>', "also keep every replica's log lines in <dir>/<replica id>.log (an existing directory), to diagnose a failed seed")
    .action(async (options: ChaosOptions) => {
      const seed = options.seed ?? randomInt(0, 1_000_000)
      const { offices, tickMs, latency } = await clusterShape(options)
      const controller = new AbortController()
      const interrupt = () => controller.abort()
      process.once('SIGINT', interrupt)
      process.once('SIGTERM', interrupt)
      const json = options.json === true
      const progress = progressReporter('dms chaos', { json })
      // On a terminal, a clock under the milestones: between faults a long run would look stuck.
      const started = performance.now()
      const clock = setInterval(() => progress.update(`${Math.floor((performance.now() - started) / 1000)} s (boot, ${options.duration} s of faults and workload, heal, checks)`), 1000)
      try {
        const report = await runChaos({
          launcher: currentDmsLauncher(),
          offices,
          seed,
          durationS: options.duration,
          faults: options.faults,
          workloads: options.workloads,
          clientsPerOffice: options.clients,
          keysPerOffice: options.keys,
          ...(tickMs === undefined ? {} : { tickMs }),
          latency,
          ...(options.replicaLogs === undefined ? {} : { replicaLogDir: await existingDirectory('--replica-logs', options.replicaLogs) }),
          replay: replayCommand(options, seed),
          onProgress: (line) => progress.note(line),
          signal: controller.signal,
        })
        clearInterval(clock)
        progress.done()
        printResult(json, report, readableReport)
        if (!report.ok) {
          process.stderr.write(`dms chaos: FAILED; replay with: ${report.replay}\n`)
          process.exitCode = 1
        }
      } catch (error) {
        if (error instanceof ChaosRunAborted) {
          clearInterval(clock)
          progress.done()
          process.stderr.write(`dms chaos: interrupted; every replica and proxy was stopped (seed ${seed})\n`)
          process.exit(130)
        }
        throw error
      } finally {
        clearInterval(clock)
        progress.done()
        process.off('SIGINT', interrupt)
        process.off('SIGTERM', interrupt)
      }
    })
}

function parseWorkloads(text: string): WorkloadName[] {
  const names = text.split(',').map((name) => name.trim()).filter((name) => name.length > 0)
  if (names.length === 0) throw new InvalidArgumentError(`--workloads: "${text}" names no workload`)
  return names.map((name) => {
    const known = WORKLOAD_NAMES.find((workload) => workload === name)
    if (known === undefined) throw new InvalidArgumentError(`--workloads: unknown workload "${name}" (known: ${WORKLOAD_NAMES.join(', ')})`)
    return known
  })
}

function parseFaults(text: string): FaultKind[] {
  try {
    return parseFaultKinds(text)
  } catch (error) {
    throw new InvalidArgumentError(`--faults: ${(error as Error).message}`)
  }
}

async function clusterShape(options: ChaosOptions): Promise<{ offices: EphemeralOffice[]; tickMs?: number; latency: OfficeLatency[] }> {
  if (options.config === undefined) {
    const count = options.offices ?? 2
    return { offices: OFFICE_NAMES.slice(0, count).map(([id, timeZone]) => ({ id, timeZone, replicas: options.replicas })), latency: [] }
  }
  if (options.offices !== undefined) throw new Error('--offices: not allowed with --config (the config lists the offices)')
  const config = await loadConfigForCli(options.config)
  const latency: OfficeLatency[] = []
  config.offices.forEach((a, i) => {
    for (const b of config.offices.slice(i + 1)) {
      const delayMs = oneWayDelayMs(config, a.id, b.id)
      if (delayMs > 0) latency.push({ offices: [a.id, b.id], delayMs })
    }
  })
  return {
    offices: config.offices.map((office) => ({ id: office.id, timeZone: office.timeZone, replicas: office.replicas.length })),
    tickMs: config.timing.tickMs,
    latency,
  }
}

function replayCommand(options: ChaosOptions, seed: number): string {
  const shape = options.config !== undefined ? `--config ${options.config}` : `--offices ${options.offices ?? 2} --replicas ${options.replicas}`
  return `dms chaos ${shape} --duration ${options.duration} --seed ${seed} --faults ${options.faults.join(',')} --workloads ${options.workloads.join(',')} --clients ${options.clients} --keys ${options.keys}`
}

function readableReport(report: ChaosReport): string {
  const exercised = new Set<string>(report.exercised)
  const checkRows = Object.entries(report.checks).map(([name, value]) => [
    name,
    String(value),
    exercised.has(name) ? (value === true || value === 0 ? 'pass' : 'FAIL') : 'not exercised',
  ])
  const lin = report.linearizability
  const events = new Map<number, string[]>()
  const note = (second: number, text: string) => events.set(second, [...(events.get(second) ?? []), text])
  for (const fault of report.faults) {
    note(Math.floor(fault.atS), `${fault.kind} ${fault.target}${fault.detail === undefined ? '' : ` (${fault.detail})`}`)
    if (fault.healedAtS !== null) note(Math.floor(fault.healedAtS), `healed ${fault.kind} (write again after ${fault.recoveredAfterS ?? '—'}s)`)
  }
  const peak = Math.max(1, ...report.throughputPerS)
  const timeline = report.throughputPerS.map((ops, second) =>
    [`${second}s`, String(ops), '#'.repeat(Math.round((ops / peak) * 30)), (events.get(second) ?? []).join('; ')],
  )
  return [
    `chaos run, seed ${report.seed}, ${report.durationS}s, offices ${report.offices.map((o) => `${o.id}(${o.replicas.length})`).join(' ')}, faults ${report.faultKinds.join(',')}`,
    ...Object.entries(report.opsByWorkload).map(
      ([name, ops]) => `${name} ops: ${ops.attempted} attempted, ${ops.acknowledged} acknowledged, ${ops.failed} failed, ${ops.indeterminate} indeterminate`,
    ),
    ...Object.entries(report.opsByKind).flatMap(([name, kinds]) =>
      Object.entries(kinds).map(([kind, ops]) => `  ${name} ${kind}: ${ops.attempted} attempted, ${ops.acknowledged} acknowledged, ${ops.failed} failed, ${ops.indeterminate} indeterminate`),
    ),
    ...(report.fencingRejected === null ? [] : [`cross-office messages fenced off (rejected): ${report.fencingRejected}`]),
    '',
    formatTable(['check', 'value', 'verdict'], checkRows),
    lin === null ? '' : `linearizability: ${lin.keys} keys, ${lin.violatedKeys} violated, ${lin.unknownKeys} unknown (out of search budget)`,
    '',
    formatTable(['second', 'ops/s', '', 'faults'], timeline),
    '',
    ...(report.skippedFaults.length > 0 ? [`skipped faults: ${report.skippedFaults.map((f) => `${f.atS}s ${f.kind} ${f.target} (${f.reason})`).join('; ')}`] : []),
    ...report.problems.map((problem) => `problem: ${problem}`),
    report.ok ? 'OK' : `FAILED — replay with: ${report.replay}`,
  ].join('\n')
}

/** A directory that exists, or a clear error naming the option (before any replica starts). */
async function existingDirectory(option: string, path: string): Promise<string> {
  const found = await stat(path).catch(() => null)
  if (found === null || !found.isDirectory()) throw new InvalidArgumentError(`${option}: ${path} is not an existing directory`)
  return path
}
