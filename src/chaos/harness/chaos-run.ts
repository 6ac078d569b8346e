/**
 * One chaos run from start to report: boot the cluster under test behind its proxies, wait for
 * leaders, run the workload while the seeded fault schedule plays, heal everything, wait for the
 * cluster to quiesce, settle the workload (final reads), run every checker, report. Whatever
 * happens (an error, an abort), every process and proxy started here is stopped before it returns.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ClusterClient } from '../../client/cluster-client.js'
import { clientTargetsOf, findOffice, officeClientUrls } from '../../config/cluster-topology.js'
import type { ClusterConfig } from '../../config/cluster-config-schema.js'
import type { EphemeralOffice } from '../../cluster/ephemeral-cluster.js'
import type { NodeLauncher } from '../../cluster/replica-process.js'
import { CHAOS_HOOKS_ENV } from '../../node/chaos-test-hooks.js'
import type { OfficeMethods } from '../../office/office-api.js'
import { ChaosEventLog } from '../chaos-event-log.js'
import { allNodes } from '../chaos-topology.js'
import { generateFaultSchedule, type FaultKind } from '../fault-schedule.js'
import type { OfficeLatency } from '../proxy-network.js'
import { SeededRandom } from '../seeded-random.js'
import type { CheckFindings } from './chaos-checks.js'
import { buildChaosReport, type ChaosReport } from './chaos-report.js'
import { ClusterUnderTest } from './cluster-under-test.js'
import { KvWorkload } from './kv-workload.js'
import { BookingWorkload } from './booking-workload.js'
import { CrossOfficeWorkload } from './cross-office-workload.js'
import type { ChaosWorkload, OpCounts } from './chaos-workload.js'
import { checkLeaderUniqueness } from './leader-uniqueness-check.js'
import { Nemesis } from './nemesis.js'
import { describeProcessState } from './process-state.js'
import { waitForQuiescence } from './quiescence.js'
import { checkReplicaStates, readReplicaStates } from './replica-state-check.js'
import { StatusSampler } from './status-sampler.js'

export const WORKLOAD_NAMES = ['kv', 'bookings', 'xoffice'] as const
export type WorkloadName = (typeof WORKLOAD_NAMES)[number]

/** Every fault kind, in the order the seeds draw from (a kind added at the end keeps the older kinds' order). */
export const DEFAULT_FAULTS: readonly FaultKind[] = ['kill', 'pause', 'partition', 'delay', 'duplicate', 'clock-jump', 'coordinator-pause', 'coordinator-kill', 'data-loss']

export interface ChaosRunOptions {
  readonly launcher: NodeLauncher
  readonly offices: readonly EphemeralOffice[]
  readonly seed: number
  readonly durationS: number
  readonly faults: readonly FaultKind[]
  readonly workloads: readonly WorkloadName[]
  readonly clientsPerOffice?: number
  readonly keysPerOffice?: number
  readonly tickMs?: number
  readonly latency?: readonly OfficeLatency[]
  /** Keep every replica's log lines in `<dir>/<replica id>.log`. */
  readonly replicaLogDir?: string
  /** Time allowed for the cluster to elect its first leaders. */
  readonly bootBudgetS?: number
  /** Time allowed after the run for the cluster to quiesce. */
  readonly settleBudgetS?: number
  /** How the report's replay line spells the command. */
  readonly replay: string
  readonly onProgress?: (line: string) => void
  /** Aborting stops everything at once; the run then rejects. */
  readonly signal?: AbortSignal
}

export class ChaosRunAborted extends Error {
  override readonly name = 'ChaosRunAborted'
}

const CLIENT_CALL_TIMEOUT_MS = 5000
const CLIENT_ATTEMPT_TIMEOUT_MS = 1000
/**
 * A cross-office booking may wait out a prepare timeout and several no-wait retries; its clients
 * give one attempt that long before trying another replica (which would start a second booking).
 */
const XOFFICE_CALL_TIMEOUT_MS = 30_000
const XOFFICE_ATTEMPT_TIMEOUT_MS = 15_000
/** The replicas' cross-office hold lease: short, so coordinator pauses outlast it within a run. */
const HOLD_LEASE_MS = 3000
/**
 * A wiped replica's office is left alone this long after its replacement starts: starting a
 * replica process (tsx) and rebuilding it from the leader take seconds on a loaded machine.
 */
const REBUILD_S = 20
const CHECK_BUDGET_MS = 60_000
const MIN_KEY_CHECK_MS = 100

export async function runChaos(options: ChaosRunOptions): Promise<ChaosReport> {
  // Every replica this run starts, or restarts, inherits the directory of its test-only hooks.
  const hooksDirectory = await mkdtemp(join(tmpdir(), 'dms-chaos-hooks-'))
  const previous = process.env[CHAOS_HOOKS_ENV]
  process.env[CHAOS_HOOKS_ENV] = hooksDirectory
  try {
    return await runWithHooks(options, hooksDirectory)
  } finally {
    if (previous === undefined) delete process.env[CHAOS_HOOKS_ENV]
    else process.env[CHAOS_HOOKS_ENV] = previous
    await rm(hooksDirectory, { recursive: true, force: true })
  }
}

async function runWithHooks(options: ChaosRunOptions, hooksDirectory: string): Promise<ChaosReport> {
  const now = () => performance.now()
  const progress = options.onProgress ?? (() => {})
  const log = new ChaosEventLog({ now })
  const random = new SeededRandom(options.seed)

  const crashes: string[] = []
  /** Replicas a coordinator fault is making die on their own: their exit is the fault, not a crash. */
  const exitExpected = new Set<string>()
  let startMs = now()
  let started: ClusterUnderTest | null = null
  progress(`booting ${options.offices.map((o) => `${o.id}×${o.replicas}`).join(' + ')} behind fault proxies`)
  const cluster = await ClusterUnderTest.start({
    launcher: options.launcher,
    offices: options.offices,
    ...(options.tickMs === undefined ? {} : { tickMs: options.tickMs }),
    ...(options.latency === undefined ? {} : { latency: options.latency }),
    ...(options.replicaLogDir === undefined ? {} : { replicaLogDir: options.replicaLogDir }),
    nodeArgs: ['--hold-lease-ms', String(HOLD_LEASE_MS)],
    random,
    clock: { now },
    log,
    onUnexpectedExit: (node, description) => {
      if (exitExpected.has(node)) return
      // The replica's last words say why it died.
      const lastLines = started?.lastLines(node) ?? []
      const atS = Math.round((now() - startMs) / 100) / 10
      crashes.push(`replica ${node} exited on its own (${description}) at ${atS}s; its last log lines: ${lastLines.join(' | ')}`)
      progress(`replica ${node} exited on its own (${description}) at ${atS}s`)
    },
  })
  started = cluster
  const clients: Array<ClusterClient<OfficeMethods>> = []
  // A wiped replica's replacement changes the config: everything reads the current one. Clients made
  // before learn the new member when a replica redirects them to it.
  const config = () => cluster.cluster.config
  const sampler = new StatusSampler(config, now)
  const officeIds = cluster.topology.offices.map((office) => office.id)
  const keysPerOffice = options.keysPerOffice ?? 200
  /** A client of the office that tries its replicas starting from the `firstReplica`-th (mod their number). */
  // Clients live for the whole run: at each call they take the office's replicas from the current
  // config, so an office whose replicas were all replaced stays reachable (one object per config, so
  // a client merges it once).
  const targets = new WeakMap<ClusterConfig, Map<string, ReturnType<typeof clientTargetsOf>>>()
  const currentTargets = (office: string) => (): ReturnType<typeof clientTargetsOf> => {
    const current = config()
    const byOffice = targets.get(current) ?? new Map<string, ReturnType<typeof clientTargetsOf>>()
    targets.set(current, byOffice)
    const known = byOffice.get(office) ?? clientTargetsOf(findOffice(current, office), false)
    byOffice.set(office, known)
    return known
  }
  const clientFor = (office: string, firstReplica = 0, timeouts = { callTimeoutMs: CLIENT_CALL_TIMEOUT_MS, attemptTimeoutMs: CLIENT_ATTEMPT_TIMEOUT_MS }) => {
    const urls = officeClientUrls(config(), office)
    const endpoints = urls.map((_, index) => urls[(index + firstReplica) % urls.length] as string)
    const client = new ClusterClient<OfficeMethods>({ endpoints, currentTargets: currentTargets(office), ...timeouts })
    clients.push(client)
    return client
  }
  const workloads: ChaosWorkload[] = []
  if (options.workloads.includes('kv')) workloads.push(new KvWorkload({
    offices: officeIds,
    clientFor,
    clientsPerOffice: options.clientsPerOffice ?? 8,
    keysPerOffice,
    random: new SeededRandom(options.seed + 1),
    now,
    // The whole search shares one budget, so the run stays bounded however tangled the histories.
    perKeyCheckLimitMs: Math.max(MIN_KEY_CHECK_MS, CHECK_BUDGET_MS / (officeIds.length * keysPerOffice)),
  }))
  const bookings = options.workloads.includes('bookings')
    ? new BookingWorkload({
        offices: options.offices.map((office) => ({ id: office.id, timeZone: office.timeZone })),
        clientFor,
        organizersPerOffice: 2,
        peoplePerOffice: 6,
        random: new SeededRandom(options.seed + 2),
        now,
      })
    : null
  if (bookings !== null) workloads.push(bookings)
  const xofficeClients = new Map<string, ClusterClient<OfficeMethods>>()
  const crossOffice = options.workloads.includes('xoffice')
    ? new CrossOfficeWorkload({
        offices: officeIds,
        clientFor: (office) => {
          let client = xofficeClients.get(office)
          if (client === undefined) xofficeClients.set(office, (client = clientFor(office, 0, { callTimeoutMs: XOFFICE_CALL_TIMEOUT_MS, attemptTimeoutMs: XOFFICE_ATTEMPT_TIMEOUT_MS })))
          return client
        },
        organizersPerOffice: 2,
        peoplePerOffice: 4,
        random: new SeededRandom(options.seed + 3),
        now,
        holdLeaseMs: HOLD_LEASE_MS,
      })
    : null
  if (crossOffice !== null) workloads.push(crossOffice)
  const forEachWorkload = (action: (workload: ChaosWorkload) => Promise<void>) => Promise.all(workloads.map(action))
  const schedule = await stopOnError(cluster, () =>
    generateFaultSchedule({ seed: options.seed, durationS: options.durationS, kinds: options.faults, topology: cluster.topology, holdLeaseS: HOLD_LEASE_MS / 1000, rebuildS: REBUILD_S }),
  )
  const nemesis = new Nemesis({
    cluster,
    schedule,
    leaderOf: (office) => sampler.leaderOf(office),
    elapsedS: () => (now() - startMs) / 1000,
    onAction: progress,
    hooksDirectory,
    expectExit: (node, expected) => (expected ? exitExpected.add(node) : exitExpected.delete(node)),
  })

  let torndown: Promise<void> | null = null
  const teardown = () =>
    (torndown ??= (async () => {
      await nemesis.healAll()
      for (const client of clients) client.close()
      await cluster.stop()
    })())
  const interrupted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(new ChaosRunAborted('the chaos run was interrupted'))
    if (options.signal?.aborted === true) onAbort()
    else options.signal?.addEventListener('abort', onAbort, { once: true })
  })
  interrupted.catch(() => {})

  const run = async (): Promise<ChaosReport> => {
    for (const office of officeIds) await cluster.cluster.waitForLeader(office, { timeoutMs: (options.bootBudgetS ?? 60) * 1000 })
    await bookings?.prepare()
    await crossOffice?.prepare()
    progress(`leaders elected; ${options.durationS}s of workload under ${schedule.length} scheduled fault(s), seed ${options.seed}`)
    sampler.start()
    startMs = now()
    for (const workload of workloads) workload.start()
    nemesis.start()
    await new Promise((resolve) => setTimeout(resolve, options.durationS * 1000))
    await nemesis.healAll()
    await forEachWorkload((workload) => workload.stop())
    progress('healed; waiting for the cluster to quiesce')
    const quiescence = await waitForQuiescence(config(), (options.settleBudgetS ?? 60) * 1000)
    if (quiescence.quiesced) await forEachWorkload((workload) => workload.settle())
    await sampler.stop()
    await sampler.sampleOnce()
    progress('checking')
    const findings: CheckFindings[] = [
      {
        quiesced: quiescence.quiesced,
        problems: [
          ...quiescence.unsettled.map((part) => `not quiesced: ${part}`),
          ...(quiescence.quiesced
            ? []
            : await Promise.all(
                allNodes(cluster.topology).map(async (node) => `${node} (${await describeProcessState(cluster.replica(node).pid)})'s last log lines: ${cluster.lastLines(node).join(' | ')}`),
              )),
        ],
      },
      // A fault that could not be healed (a replacement that never caught up) left the cluster short.
      nemesis.healFailures.length === 0 ? {} : { quiesced: false, problems: nemesis.healFailures },
      { replicaCrashes: crashes.length, problems: crashes },
      checkLeaderUniqueness(sampler.leaderObservations()),
      quiescence.quiesced ? checkReplicaStates(await readReplicaStates(config())) : {},
      ...(await Promise.all(workloads.map((workload) => workload.check()))),
    ]
    return buildChaosReport({
      seed: options.seed,
      durationS: options.durationS,
      offices: cluster.topology.offices.map((office) => ({ id: office.id, replicas: office.members })),
      faultKinds: options.faults,
      workloads: workloads.map((workload) => workload.name),
      faults: nemesis.records,
      ops: sumCounts(workloads.map((workload) => workload.counts())),
      opsByWorkload: Object.fromEntries(workloads.map((workload) => [workload.name, workload.counts()])),
      opsByKind: Object.fromEntries(workloads.flatMap((workload) => (workload.countsByKind === undefined ? [] : [[workload.name, workload.countsByKind()]]))),
      completions: workloads.flatMap((workload) => workload.completions()),
      findings,
      startMs,
      replay: options.replay,
    })
  }

  try {
    // On abort the run is abandoned where it stands; the teardown below ends everything it started.
    return await Promise.race([run(), interrupted])
  } finally {
    // Clients stop issuing before the cluster goes, so none spins on a closed connection.
    const workloadStopped = forEachWorkload((workload) => workload.stop())
    const samplerStopped = sampler.stop()
    await teardown()
    await Promise.all([workloadStopped, samplerStopped])
  }
}

function sumCounts(all: readonly OpCounts[]): OpCounts {
  return all.reduce(
    (sum, counts) => ({
      attempted: sum.attempted + counts.attempted,
      acknowledged: sum.acknowledged + counts.acknowledged,
      failed: sum.failed + counts.failed,
      indeterminate: sum.indeterminate + counts.indeterminate,
    }),
    { attempted: 0, acknowledged: 0, failed: 0, indeterminate: 0 },
  )
}

/** Runs a setup step after the cluster is up; if it throws, the cluster is stopped before the error goes on. */
async function stopOnError<T>(cluster: ClusterUnderTest, step: () => T): Promise<T> {
  try {
    return step()
  } catch (error) {
    await cluster.stop()
    throw error
  }
}
