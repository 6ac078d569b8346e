/** `dms node`: runs one replica in the foreground until SIGINT/SIGTERM, logging JSON lines on stderr. */
import { InvalidArgumentError, Option, type Command } from 'commander'
import { createEventLogger, LOG_LEVELS, parseLogLevel, type LogLevel } from '../../src/logging/event-logger.js'
import { chaosTestHooksFromEnvironment } from '../../src/node/chaos-test-hooks.js'
import { DEFAULT_SNAPSHOT_EVERY, OfficeReplica } from '../../src/node/office-replica.js'
import { METRICS_PATH } from '../../src/rpc/replica-listener.js'
import { parsePositiveInteger } from '../cli-arguments.js'
import { loadConfigForCli } from '../cli-config.js'

interface NodeOptions {
  readonly config: string
  readonly id: string
  readonly data: string
  readonly snapshotEvery: number
  readonly join?: boolean
  readonly holdLeaseMs?: number
  readonly logLevel: LogLevel
}

export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run one replica of an office (what `cluster up` starts; one per host in a deployment); logs one JSON line per event on stderr, metrics on GET /metrics of its port')
    .requiredOption('--config <file>', 'cluster config')
    .requiredOption('--id <nodeId>', 'which replica of the config this process is')
    .option('--data <dir>', 'data directory (the replica uses <dir>/<id>)', './data')
    .option('--snapshot-every <n>', 'snapshot the state machine and compact the log every n applied entries', parsePositiveInteger('--snapshot-every'), DEFAULT_SNAPSHOT_EVERY)
    .option('--join', 'join a running office as a new member (after `dms office add-replica`) instead of bootstrapping')
    .option('--hold-lease-ms <ms>', 'lease of the holds a cross-office booking places (default 10000)', parsePositiveInteger('--hold-lease-ms'))
    .addOption(new Option('--log-level <level>', `least severe level logged (${LOG_LEVELS.join(', ')})`).argParser(parseLevel).default('info'))
    .action(async (options: NodeOptions) => {
      const config = await loadConfigForCli(options.config)
      const logger = createEventLogger({ level: options.logLevel, bindings: { pid: process.pid } })
      // Test-only: present only when `dms chaos` started this replica.
      const hooks = chaosTestHooksFromEnvironment(options.id)
      const replica = await OfficeReplica.start({
        ...(hooks === null ? {} : { now: hooks.now, afterDecision: hooks.afterDecision }),
        config,
        nodeId: options.id,
        dataDir: options.data,
        snapshotEvery: options.snapshotEvery,
        join: options.join === true,
        ...(options.holdLeaseMs === undefined ? {} : { crossOffice: { leaseMs: options.holdLeaseMs } }),
        logger,
        processMetrics: true,
      })
      const log = logger.child({ node: replica.id, office: replica.office.id })
      const { host, port } = replica.replica
      log.info(`replica ${replica.id} of office ${replica.office.id} listening on ${host}:${port}`, { host, port, metricsPath: METRICS_PATH })
      let stopping = false
      const shutdown = async (signal: string): Promise<void> => {
        if (stopping) return
        stopping = true
        log.info(`${signal}: stopping replica ${replica.id}`, { signal })
        await replica.stop()
        process.exit(0)
      }
      process.on('SIGINT', () => void shutdown('SIGINT'))
      process.on('SIGTERM', () => void shutdown('SIGTERM'))
      const fatal = await replica.closed
      if (fatal !== null && !stopping) {
        log.error(`replica ${replica.id} stopped: ${fatal.message}`, { error: fatal.message })
        process.exit(1)
      }
    })
}

function parseLevel(text: string): LogLevel {
  try {
    return parseLogLevel(text, '--log-level')
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message)
  }
}
