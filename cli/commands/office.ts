/**
 * `dms office add|move-user`: offices joining a running system and people moving between them;
 * `dms office add-replica|remove-replica|transfer-leader`: membership of an office's Raft group.
 */
import { randomUUID } from 'node:crypto'
import type { Command } from 'commander'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { RpcConnection } from '../../src/client/rpc-connection.js'
import type { ClusterConfig } from '../../src/config/cluster-config-schema.js'
import { findOffice, officeClientUrls } from '../../src/config/cluster-topology.js'
import type { ReplicaStatus } from '../../src/office/office-api.js'
import { clientUrl } from '../../src/rpc/endpoint-urls.js'
import type { MoveView } from '../../src/directory/directory-api.js'
import type { TokenSyncMethods } from '../../src/security/token-sync.js'
import { loadConfigForCli, officeClient } from '../cli-config.js'
import { printResult } from '../cli-output.js'
import { changeMembership } from '../../src/client/membership-refusals.js'

interface OfficeOptions {
  readonly config: string
  readonly office: string
  readonly json?: boolean
}

const CATCH_UP_TIMEOUT_MS = 60_000
const ANNOUNCE_TIMEOUT_MS = 30_000
const TOKEN_POLL_MS = 200
/** Matches no token store: asking with it returns an office's entries and digest. */
const NO_DIGEST = '0'.repeat(64)

/**
 * Joining includes the tokens: the new office's leader pulls every office's tokens (token-sync.ts);
 * wait until it holds what `reference` holds, so clients can use their tokens there at once.
 */
async function tokensLearned(config: ClusterConfig, added: string, reference: string): Promise<void> {
  const connect = (officeId: string) => new ClusterClient<TokenSyncMethods>({ endpoints: officeClientUrls(config, officeId), callTimeoutMs: ANNOUNCE_TIMEOUT_MS })
  const fresh = connect(added)
  const known = connect(reference)
  try {
    const deadline = Date.now() + ANNOUNCE_TIMEOUT_MS
    for (;;) {
      const { digest } = await known.call('token.entries', { digest: NO_DIGEST })
      if ((await fresh.call('token.entries', { digest })).entries === null) return
      if (Date.now() > deadline) throw new Error(`--office: office ${added} was announced but had not learned office ${reference}'s tokens after ${ANNOUNCE_TIMEOUT_MS / 1000} s; see its log`)
      await new Promise((resolve) => setTimeout(resolve, TOKEN_POLL_MS))
    }
  } finally {
    fresh.close()
    known.close()
  }
}

export function registerOfficeCommands(program: Command): void {
  const office = program.command('office').description("add offices, move people between them, manage an office's replicas (its Raft group membership)")

  office
    .command('add')
    .description("announce an office (a new Raft group, listed in --config, its replicas started with `dms node`) to every other office, without restarting them")
    .requiredOption('--office <id>', 'the new office')
    .option('--config <file>', 'cluster config that lists the new office', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (options: OfficeOptions) => {
      const config = await loadConfigForCli(options.config)
      const added = config.offices.find((o) => o.id === options.office)
      if (added === undefined) throw new Error(`--office: ${options.office} is not listed in ${options.config} (it has ${config.offices.map((o) => o.id).join(', ')}); list the new office and its replicas there first`)
      const others = config.offices.filter((o) => o.id !== added.id)
      if (others.length === 0) throw new Error(`--office: ${added.id} is the only office in ${options.config}; list the running offices there too`)
      const fresh = officeClient(config, added.id, ANNOUNCE_TIMEOUT_MS)
      try {
        // Its replicas must be up first: the others start publishing their directories to it at once.
        await fresh.call('directory.offices', {})
      } catch (error) {
        throw new Error(`--office: office ${added.id} does not answer (${(error as Error).message}); start its replicas with \`dms node --config ${options.config} --id <id>\` first`)
      } finally {
        fresh.close()
      }
      for (const other of others) {
        const client = officeClient(config, other.id, ANNOUNCE_TIMEOUT_MS)
        try {
          await client.call('directory.addOffice', { office: added })
        } finally {
          client.close()
        }
      }
      const announcedTo = others.map((o) => o.id)
      await tokensLearned(config, added.id, others[0]?.id as string)
      printResult(options.json === true, { office: added.id, announcedTo }, () => `office ${added.id} announced to ${announcedTo.join(', ')}; it has their tokens`)
    })

  office
    .command('move-user')
    .description("move a person to another office with their events, meetings and notifications: all of it moves, or nothing does")
    .requiredOption('--user <id>', 'the person')
    .requiredOption('--to <office>', 'the office they move to')
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (options: { user: string; to: string; config: string; json?: boolean }) => {
      const config = await loadConfigForCli(options.config)
      const session = new CalendarClient(config)
      try {
        const from = await session.officeOf(options.user)
        const move = await session.office(from).call('directory.moveUser', { user: options.user, to: options.to }, { timeoutMs: ANNOUNCE_TIMEOUT_MS })
        printResult(options.json === true, move, describeMove)
        if (move.status === 'aborted') process.exitCode = 1
      } finally {
        session.close()
      }
    })

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
        // A change already in place (a retried call, or a rerun after an interruption) is done.
        const added = (await changeMembership(client, 'addLearner', options.id, address)).index
        progress(options, `${options.id} added as a learner at index ${added}; waiting for it to catch up`)
        await waitForCatchUp(config, options.id, added)
        if (options.learner === true) {
          printResult(options.json === true, { office: options.office, id: options.id, role: 'learner' }, () => `${options.id} is a learner of ${options.office}`)
          return
        }
        if ((await changeMembership(client, 'promoteLearner', options.id)).alreadyDone) {
          // "Not a learner" is done only if it is a voter now (our promotion, answered late).
          const { voters } = await client.call('replica.status', {})
          if (!voters.includes(options.id)) throw new Error(`${options.id} is neither a learner nor a voter of ${options.office}: was it removed meanwhile?`)
        }
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
        // A retry of our own removal is refused as "not a member"; an id that never was one is an error.
        const before = await client.call('replica.status', {})
        if (!before.voters.includes(options.id) && !before.learners.includes(options.id)) {
          throw new Error(`--id: ${options.id} is not a member of ${options.office} (voters ${before.voters.join(', ')})`)
        }
        const removed = (await changeMembership(client, 'removeNode', options.id)).index
        printResult(options.json === true, { office: options.office, id: options.id, removed: true, index: removed }, () => `${options.id} removed from ${options.office}`)
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

function describeMove(move: MoveView): string {
  switch (move.status) {
    case 'moved':
      return `${move.user} moved from ${move.from} to ${move.to} (${move.id})`
    case 'aborted':
      return `${move.user} stays in ${move.from}: ${move.reason ?? 'the move was aborted'} (${move.id})`
    case 'moving':
      return `${move.user} is moving from ${move.from} to ${move.to}; ${move.to} has not answered yet, the move completes when it does (${move.id})`
  }
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
