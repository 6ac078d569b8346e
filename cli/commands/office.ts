/** `dms office add-replica|remove-replica|transfer-leader`: membership of an office's Raft group. */
import { randomUUID } from 'node:crypto'
import type { Command } from 'commander'
import { RpcConnection } from '../../src/client/rpc-connection.js'
import type { ClusterConfig } from '../../src/config/cluster-config-schema.js'
import { findOffice } from '../../src/config/cluster-topology.js'
import type { ReplicaStatus } from '../../src/office/office-api.js'
import { clientUrl } from '../../src/rpc/endpoint-urls.js'
import { loadConfigForCli, officeClient } from '../cli-config.js'
import { printResult } from '../cli-output.js'

interface OfficeOptions {
  readonly config: string
  readonly office: string
  readonly json?: boolean
}

const CATCH_UP_TIMEOUT_MS = 60_000

export function registerOfficeCommands(program: Command): void {
  const office = program.command('office').description("manage an office's replicas (its Raft group membership)")

  office
    .command('add-replica')
    .description('add a replica listed in the config: as a learner, wait until it has caught up, then make it a voter')
    .requiredOption('--office <id>', 'office to grow')
    .requiredOption('--id <nodeId>', 'the new replica (start it with `dms node --join`)')
    .option('--learner', 'leave it a non-voting learner')
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (options: OfficeOptions & { id: string; learner?: boolean }) => {
      const config = await loadConfigForCli(options.config)
      const replica = findOffice(config, options.office).replicas.find((r) => r.id === options.id)
      if (replica === undefined) throw new Error(`--id: ${options.id} is not listed under office ${options.office} in ${options.config}; add its host and port there first`)
      const client = officeClient(config, options.office, 30_000)
      try {
        const address = { host: replica.host, port: replica.port }
        const added = await client.call('replica.membership', { change: 'addLearner', node: options.id, address })
        progress(options, `${options.id} added as a learner at index ${added.index}; waiting for it to catch up`)
        await waitForCatchUp(config, options.id, added.index)
        if (options.learner === true) {
          printResult(options.json === true, { office: options.office, id: options.id, role: 'learner' }, () => `${options.id} is a learner of ${options.office}`)
          return
        }
        await client.call('replica.membership', { change: 'promoteLearner', node: options.id })
        printResult(options.json === true, { office: options.office, id: options.id, role: 'voter' }, () => `${options.id} is a voting member of ${options.office}`)
      } finally {
        client.close()
      }
    })

  office
    .command('remove-replica')
    .description('remove a replica from its office (stop its process afterwards)')
    .requiredOption('--office <id>', 'office to shrink')
    .requiredOption('--id <nodeId>', 'the replica to remove')
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (options: OfficeOptions & { id: string }) => {
      const client = officeClient(await loadConfigForCli(options.config), options.office, 30_000)
      try {
        const removed = await client.call('replica.membership', { change: 'removeNode', node: options.id })
        printResult(options.json === true, { office: options.office, id: options.id, removed: true, index: removed.index }, () => `${options.id} removed from ${options.office}`)
      } finally {
        client.close()
      }
    })

  office
    .command('transfer-leader')
    .description('hand leadership of an office to another voter')
    .requiredOption('--office <id>', 'office')
    .requiredOption('--to <nodeId>', 'the voter to lead next')
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (options: OfficeOptions & { to: string }) => {
      const client = officeClient(await loadConfigForCli(options.config), options.office)
      try {
        await client.call('replica.transferLeadership', { to: options.to })
        printResult(options.json === true, { office: options.office, transferTo: options.to }, () => `leadership of ${options.office} is moving to ${options.to}`)
      } finally {
        client.close()
      }
    })
}

function progress(options: { json?: boolean }, message: string): void {
  if (options.json !== true) process.stderr.write(`dms: ${message}\n`)
}

/** Polls the new replica until it has applied at least `index` (the entry that added it). */
async function waitForCatchUp(config: ClusterConfig, nodeId: string, index: number): Promise<void> {
  const replica = config.offices.flatMap((o) => o.replicas).find((r) => r.id === nodeId)!
  const connection = new RpcConnection(clientUrl(replica, config.security.tls !== null))
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS
  try {
    for (;;) {
      const status = (await connection.request(randomUUID(), 'replica.status', {}, 1000).catch(() => null)) as ReplicaStatus | null
      if (status !== null && status.appliedIndex >= index) return
      if (Date.now() > deadline) {
        throw new Error(`${nodeId} has not caught up within ${CATCH_UP_TIMEOUT_MS / 1000} s (is \`dms node --id ${nodeId} --join\` running?); it stays a learner`)
      }
      await new Promise((r) => setTimeout(r, 200))
    }
  } finally {
    connection.close()
  }
}
