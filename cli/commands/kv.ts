/** `dms kv put|get|del|cas|range`: the linearizable key-value store of an office's Raft group. */
import type { Command } from 'commander'
import type { KvResult } from '../../src/kv/kv-command.js'
import { parseNonNegativeInteger, parsePositiveInteger } from '../cli-arguments.js'
import { loadConfigForCli, officeClient } from '../cli-config.js'
import { formatTable, printResult } from '../cli-output.js'

interface KvOptions {
  readonly config?: string
  readonly office?: string
  readonly json?: boolean
}

function withCommonOptions(command: Command): Command {
  return command
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--office <id>', 'office whose Raft group to use (default: the first in the config)')
    .option('--json', 'print one JSON document')
}

async function withOffice<T>(options: KvOptions, run: (client: ReturnType<typeof officeClient>) => Promise<T>): Promise<T> {
  const client = officeClient(await loadConfigForCli(options.config), options.office)
  try {
    return await run(client)
  } finally {
    client.close()
  }
}

const readable = (r: KvResult): string =>
  `${r.key} = ${r.value === null ? '(absent)' : JSON.stringify(r.value)}  revision ${r.revision}${r.ok === undefined ? '' : r.ok ? '  (swapped)' : '  (not swapped: expectation failed)'}`

export function registerKvCommands(program: Command): void {
  const kv = program.command('kv').description("an office's linearizable key-value store")

  withCommonOptions(kv.command('put <key> <value>').description('write a value')).action(async (key: string, value: string, options: KvOptions) => {
    const result = await withOffice(options, (client) => client.call('kv.put', { key, value }))
    printResult(options.json === true, result, readable)
  })

  withCommonOptions(kv.command('get <key>').description('read a value (linearizable unless --stale)'))
    .option('--stale', 'read from any replica, possibly behind the leader')
    .action(async (key: string, options: KvOptions & { stale?: boolean }) => {
      const result = await withOffice(options, (client) => client.call('kv.get', { key, stale: options.stale === true }))
      printResult(options.json === true, result, readable)
    })

  withCommonOptions(kv.command('del <key>').description('delete a key')).action(async (key: string, options: KvOptions) => {
    const result = await withOffice(options, (client) => client.call('kv.delete', { key }))
    printResult(options.json === true, result, readable)
  })

  withCommonOptions(kv.command('cas <key> <expected> <new>').description('write <new> only if the current value is <expected>'))
    .option('--by-revision', 'treat <expected> as the key\'s revision (0: the key is absent)')
    .action(async (key: string, expectedText: string, value: string, options: KvOptions & { byRevision?: boolean }) => {
      const expected = options.byRevision === true ? { revision: parseNonNegativeInteger('<expected> revision')(expectedText) } : { value: expectedText }
      const result = await withOffice(options, (client) => client.call('kv.cas', { key, expected, value }))
      printResult(options.json === true, result, readable)
    })

  withCommonOptions(kv.command('range <prefix>').description('list keys starting with <prefix>'))
    .option('--limit <n>', 'at most this many keys', parsePositiveInteger('--limit', 10_000), 1000)
    .option('--stale', 'read from any replica, possibly behind the leader')
    .action(async (prefix: string, options: KvOptions & { limit: number; stale?: boolean }) => {
      const result = await withOffice(options, (client) => client.call('kv.range', { prefix, limit: options.limit, stale: options.stale === true }))
      printResult(options.json === true, result, (r) =>
        formatTable(['key', 'value', 'revision'], r.entries.map((e) => [e.key, JSON.stringify(e.value), String(e.revision)])),
      )
    })
}
