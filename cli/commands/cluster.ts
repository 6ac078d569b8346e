/** `dms cluster up`: every replica of a config as child processes, in the foreground. */
import type { Command } from 'commander'
import { queryClusterStatus, type ClusterStatus } from '../../src/cluster/cluster-status.js'
import { ReplicaProcess, currentDmsLauncher } from '../../src/cluster/replica-process.js'
import { InterOfficeLinks } from '../../src/cluster/inter-office-links.js'
import type { ClusterConfig } from '../../src/config/cluster-config-schema.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { loadConfigForCli } from '../cli-config.js'
import { writeBootstrapAdminToken } from '../cli-credentials.js'
import { formatClusterStatus } from './status.js'
import { progressReporter, type ProgressReporter } from '../progress-reporter.js'

const RESTART_DELAY_MS = 1000
const READY_TIMEOUT_MS = 30_000

export function registerClusterCommands(program: Command): void {
  const cluster = program.command('cluster').description('run a whole cluster on this machine')
  cluster
    .command('up')
    .description('boot every replica of the config as child processes; Ctrl-C stops them; data persists in --data')
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--data <dir>', 'data directory shared by the replicas (each uses <dir>/<id>)', './data')
    .option('--no-restart', 'do not restart a replica that exits on its own')
    .action(async (options: { config: string; data: string; restart: boolean }) => {
      const config = await loadConfigForCli(options.config)
      const adminTokenFile = await writeBootstrapAdminToken(config, options.data)
      if (adminTokenFile !== null) process.stderr.write(`dms: client authentication is on; the bootstrap admin token is in ${adminTokenFile} (dms --token-file ${adminTokenFile})\n`)
      const launcher = currentDmsLauncher()
      // With interOfficeDelays enabled, each office's replicas run with a view of the config that reaches the other offices through delaying proxies.
      const links = await InterOfficeLinks.start(config)
      const viewPaths = links === null ? null : await writeOfficeViews(links, config, options.data)
      let shuttingDown = false
      // Replicas' log lines and this command's own go through the reporter, so none lands on its status line.
      const progress = progressReporter('dms', { json: false })
      const replicas: ReplicaProcess[] = config.offices.flatMap((office) =>
        office.replicas.map(
          (replica) =>
            new ReplicaProcess({
              nodeId: replica.id,
              launcher,
              configPath: viewPaths?.get(office.id) ?? options.config,
              dataDir: options.data,
              onLine: (id, line) => progress.line(`[${id}] ${line}`),
              onUnexpectedExit: (id, how) => {
                if (shuttingDown) return
                progress.line(`dms: replica ${id} of office ${office.id} exited (${how})${options.restart ? `; restarting in ${RESTART_DELAY_MS} ms` : ''}`)
                if (options.restart) setTimeout(() => !shuttingDown && !self(id).running && self(id).start(), RESTART_DELAY_MS)
              },
            }),
        ),
      )
      const self = (id: string): ReplicaProcess => replicas.find((r) => r.nodeId === id) as ReplicaProcess
      const shutdown = async (signal: string): Promise<void> => {
        if (shuttingDown) return
        shuttingDown = true
        progress.done()
        progress.line(`dms: ${signal}: stopping ${replicas.length} replicas`)
        await Promise.all(replicas.map((r) => r.stop()))
        await links?.close()
        progress.line('dms: all replicas stopped')
        process.exit(0)
      }
      process.on('SIGINT', () => void shutdown('SIGINT'))
      process.on('SIGTERM', () => void shutdown('SIGTERM'))

      for (const replica of replicas) replica.start()
      progress.note(`started ${replicas.length} replicas of ${config.offices.length} offices; waiting for leaders`)
      const status = await waitForLeaders(() => queryClusterStatus(config, 1000), () => shuttingDown, progress)
      progress.done()
      if (status === null) {
        progress.line(`dms: not every office elected a leader within ${READY_TIMEOUT_MS / 1000} s; see the replica logs above`)
      } else {
        process.stdout.write(formatClusterStatus(status) + '\n\nThe cluster is up. Try: npx dms status   (Ctrl-C stops every replica)\n')
        for (const [office, path] of viewPaths ?? []) process.stdout.write(`Inter-office delays are on; a client in ${office}: --config ${path}\n`)
      }
    })
}

/** Writes `<data>/inter-office/<office>.json` for every office; returns office -> path. */
async function writeOfficeViews(links: InterOfficeLinks, config: ClusterConfig, dataDir: string): Promise<Map<string, string>> {
  const directory = join(dataDir, 'inter-office')
  await mkdir(directory, { recursive: true })
  const paths = new Map<string, string>()
  for (const office of config.offices) {
    const path = join(directory, `${office.id}.json`)
    await writeFile(path, JSON.stringify(links.viewFrom(office.id), null, 2))
    paths.set(office.id, path)
  }
  return paths
}

async function waitForLeaders(query: () => Promise<ClusterStatus>, cancelled: () => boolean, progress: ProgressReporter): Promise<ClusterStatus | null> {
  const deadline = Date.now() + READY_TIMEOUT_MS
  while (Date.now() < deadline && !cancelled()) {
    const status = await query()
    if (status.offices.every((o) => o.leader !== null)) return status
    progress.update(`leaders: ${status.offices.map((o) => `${o.id} ${o.leader ?? '(electing)'}`).join(', ')}`)
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return null
}
