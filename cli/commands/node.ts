/** `dms node`: runs one replica in the foreground until SIGINT/SIGTERM. */
import type { Command } from 'commander'
import { OfficeReplica } from '../../src/node/office-replica.js'
import { parsePositiveInteger } from '../cli-arguments.js'
import { loadConfigForCli } from '../cli-config.js'

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run one replica of an office (what `cluster up` starts; one per host in a deployment)')
    .requiredOption('--config <file>', 'cluster config')
    .requiredOption('--id <nodeId>', 'which replica of the config this process is')
    .option('--data <dir>', 'data directory (the replica uses <dir>/<id>)', './data')
    .option('--snapshot-every <n>', 'snapshot the state machine and compact the log every n applied entries', parsePositiveInteger('--snapshot-every'), 10_000)
    .option('--join', 'join a running office as a new member (after `dms office add-replica`) instead of bootstrapping')
    .option('--hold-lease-ms <ms>', 'lease of the holds a cross-office booking places (default 10000)', parsePositiveInteger('--hold-lease-ms'))
    .action(async (options: { config: string; id: string; data: string; snapshotEvery: number; join?: boolean; holdLeaseMs?: number }) => {
      const config = await loadConfigForCli(options.config)
      const log = (message: string, fields?: Readonly<Record<string, unknown>>): void => {
        process.stderr.write(`${new Date().toISOString()} ${message}${fields === undefined ? '' : ' ' + JSON.stringify(fields)}\n`)
      }
      const replica = await OfficeReplica.start({
        config,
        nodeId: options.id,
        dataDir: options.data,
        snapshotEvery: options.snapshotEvery,
        join: options.join === true,
        ...(options.holdLeaseMs === undefined ? {} : { crossOffice: { leaseMs: options.holdLeaseMs } }),
        logger: { warn: log },
      })
      log(`replica ${replica.id} of office ${replica.office.id} listening on ${replica.replica.host}:${replica.replica.port}`)
      let stopping = false
      const shutdown = async (signal: string): Promise<void> => {
        if (stopping) return
        stopping = true
        log(`${signal}: stopping replica ${replica.id}`)
        await replica.stop()
        process.exit(0)
      }
      process.on('SIGINT', () => void shutdown('SIGINT'))
      process.on('SIGTERM', () => void shutdown('SIGTERM'))
      const fatal = await replica.closed
      if (fatal !== null && !stopping) {
        log(`replica ${replica.id} stopped: ${fatal.message}`)
        process.exit(1)
      }
    })
}
