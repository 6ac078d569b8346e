/**
 * Real multi-process clusters for integration tests: a config on free loopback ports in a temp
 * directory, `dms node` children started through tsx, and a teardown that always stops them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { queryClusterStatus, type OfficeStatus } from '../../src/cluster/cluster-status.js'
import { ReplicaProcess, type NodeLauncher } from '../../src/cluster/replica-process.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import type { ClusterConfig } from '../../src/config/cluster-config-schema.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { OfficeMethods } from '../../src/office/office-api.js'

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))

export const tsxLauncher: NodeLauncher = {
  command: process.execPath,
  args: ['--import', 'tsx', join(REPO, 'cli/dms.ts')],
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address !== null ? resolvePort(address.port) : reject(new Error('no port'))))
    })
  })
}

export interface TestCluster {
  /** The config as last written (replicas may be added with addReplicaToConfig). */
  readonly config: ClusterConfig
  readonly configPath: string
  readonly dataDir: string
  readonly replicas: Map<string, ReplicaProcess>
  /** Stderr lines of every replica, for diagnosing a failure. */
  readonly logs: string[]
  client(officeId?: string, callTimeoutMs?: number): ClusterClient<OfficeMethods>
  waitForLeader(officeId: string, options?: { exclude?: string; timeoutMs?: number }): Promise<OfficeStatus>
  /** Lists a new replica of the office in the config file and returns its (not yet started) process. */
  addReplicaToConfig(officeId: string, extraArgs?: readonly string[]): Promise<ReplicaProcess>
}

/** One office of `replicaCount` replicas (more offices later); stopped and deleted on teardown. */
export async function startTestCluster(
  t: Test,
  options: { offices?: readonly string[]; replicaCount?: number; nodeArgs?: readonly string[] } = {},
): Promise<TestCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'dms-it-'))
  const officeIds = options.offices ?? ['nyc']
  const zones: Record<string, string> = { nyc: 'America/New_York', lon: 'Europe/London', tok: 'Asia/Tokyo' }
  const offices = []
  for (const id of officeIds) {
    const replicas = []
    for (let i = 1; i <= (options.replicaCount ?? 3); i++) replicas.push({ id: `${id}-${i}`, host: '127.0.0.1', port: await freePort() })
    offices.push({
      id,
      name: id.toUpperCase(),
      timeZone: zones[id] ?? 'UTC',
      workHours: { start: '09:00', end: '17:00' },
      workDays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
      lunch: { start: '12:00', end: '13:00' },
      replicas,
    })
  }
  const raw = { clusterId: 'dms-test', timing: { tickMs: 50, electionTicks: 10, heartbeatTicks: 2 }, offices }
  let { config } = parseClusterConfig(raw, 'test cluster')
  const configPath = join(dir, 'cluster.json')
  await writeFile(configPath, JSON.stringify(raw, null, 2))
  const dataDir = join(dir, 'data')
  const logs: string[] = []
  const replicas = new Map<string, ReplicaProcess>()
  const processFor = (nodeId: string, extraArgs: readonly string[]): ReplicaProcess =>
    new ReplicaProcess({ nodeId, launcher: tsxLauncher, configPath, dataDir, onLine: (id, line) => logs.push(`[${id}] ${line}`), extraArgs })
  for (const office of config.offices) {
    for (const replica of office.replicas) replicas.set(replica.id, processFor(replica.id, options.nodeArgs ?? []))
  }
  const clients: Array<ClusterClient<OfficeMethods>> = []
  t.teardown(async () => {
    for (const client of clients) client.close()
    await Promise.all([...replicas.values()].map((r) => r.stop(3000)))
    await rm(dir, { recursive: true, force: true })
  })
  for (const replica of replicas.values()) replica.start()
  return {
    get config() {
      return config
    },
    configPath,
    dataDir,
    replicas,
    logs,
    client(officeId = officeIds[0] as string, callTimeoutMs = 15_000) {
      const client = new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(config, officeId), callTimeoutMs })
      clients.push(client)
      return client
    },
    async addReplicaToConfig(officeId, extraArgs = []) {
      const office = raw.offices.find((o) => o.id === officeId)!
      const id = `${officeId}-${office.replicas.length + 1}`
      office.replicas.push({ id, host: '127.0.0.1', port: await freePort() })
      config = parseClusterConfig(raw, 'test cluster').config
      await writeFile(configPath, JSON.stringify(raw, null, 2))
      const process = processFor(id, [...(options.nodeArgs ?? []), ...extraArgs])
      replicas.set(id, process)
      return process
    },
    async waitForLeader(officeId, { exclude, timeoutMs = 20_000 } = {}) {
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const status = await queryClusterStatus(config, 500)
        const office = status.offices.find((o) => o.id === officeId)
        if (office?.leader != null && office.leader !== exclude) return office
        if (Date.now() > deadline) throw new Error(`no leader in ${officeId} within ${timeoutMs} ms:\n${logs.slice(-20).join('\n')}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    },
  }
}
