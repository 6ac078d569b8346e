/**
 * `dms token create|revoke|list` (admin) and `dms secret create`: the credentials of a cluster
 * with authentication on. A token is made here, on the admin's machine, and only its SHA-256 is
 * sent; it is stored in every office of the config (and offices copy tokens and revocations from
 * each other, token-sync.ts), so it works wherever its holder's calls go.
 */
import type { Command } from 'commander'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import type { ClusterConfig } from '../../src/config/cluster-config-schema.js'
import { personId } from '../../src/calendar-service/calendar-api.js'
import { newToken } from '../../src/security/client-credentials.js'
import { createClusterSecretFile } from '../../src/security/cluster-secret.js'
import { revocableTokenId, type TokenGrant, type TokenMethods } from '../../src/security/token-records.js'
import { loadConfigForCli } from '../cli-config.js'
import { formatTable, printResult } from '../cli-output.js'

interface TokenOptions {
  readonly config: string
  readonly json?: boolean
}

/** Runs `call` against every office of the config, in config order. */
async function inEveryOffice<T>(config: ClusterConfig, call: (client: ClusterClient<TokenMethods>) => Promise<T>): Promise<T[]> {
  const results: T[] = []
  for (const office of config.offices) {
    const client = new ClusterClient<TokenMethods>({ endpoints: officeClientUrls(config, office.id), callTimeoutMs: 10_000 })
    try {
      results.push(await call(client))
    } catch (err) {
      throw new Error(`office ${office.id}: ${err instanceof Error ? err.message : String(err)}`)
    } finally {
      client.close()
    }
  }
  return results
}

interface GrantOptions {
  readonly user?: string
  readonly admin?: boolean
  readonly metrics?: boolean
}

function grantOf(options: GrantOptions): TokenGrant {
  const given = [options.user === undefined ? null : '--user', options.admin === true ? '--admin' : null, options.metrics === true ? '--metrics' : null].filter((o) => o !== null)
  if (given.length > 1) throw new Error(`${given.join(' and ')}: give one of them, not several`)
  if (options.admin === true) return { role: 'admin' }
  if (options.metrics === true) return { role: 'metrics' }
  if (options.user === undefined) throw new Error('--user <id>, --admin or --metrics: say whom the token is for')
  const user = personId.safeParse(options.user)
  if (!user.success) throw new Error(`--user: "${options.user}" is not a user id (1-64 letters, digits, ".", "_", "@" or "-")`)
  return { role: 'user', user: user.data }
}

function grantText(grant: TokenGrant): string {
  switch (grant.role) {
    case 'admin':
      return 'admin'
    case 'metrics':
      return 'metrics (GET /metrics only)'
    case 'user':
      return `user ${grant.user}`
  }
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('API tokens for clients (admin; needs security.clientAuth)')
  token
    .command('create')
    .description('make a token for a user (--user), an admin (--admin) or a metrics scraper (--metrics); it is printed once and stored only as a hash')
    .option('--user <id>', 'the user the token acts as')
    .option('--admin', 'an admin token')
    .option('--metrics', 'a token that may only read GET /metrics (for Prometheus)')
    .option('--label <text>', 'a note to recognise the token by in `dms token list`', '')
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (options: TokenOptions & GrantOptions & { label: string }) => {
      const grant = grantOf(options)
      if (options.label.length > 100) throw new Error('--label: at most 100 characters')
      const config = await loadConfigForCli(options.config)
      const made = newToken()
      await inEveryOffice(config, (client) => client.call('token.create', { id: made.id, hash: made.hash, grant, label: options.label }))
      const result = { id: made.id, token: made.token, grant, label: options.label, offices: config.offices.map((o) => o.id) }
      printResult(options.json === true, result, (r) =>
        [`token ${r.id} (${grantText(r.grant)}), stored in ${r.offices.join(', ')}:`, r.token, 'It is shown only now: keep it in a file (dms --token-file) or in DMS_TOKEN.'].join('\n'),
      )
    })
  token
    .command('revoke <id>')
    .description('revoke a token in every office (open connections stop using it within 5 s); "root" disables the bootstrap admin token once a named admin token exists')
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (id: string, options: TokenOptions) => {
      const parsed = revocableTokenId.safeParse(id)
      if (!parsed.success) throw new Error(`<id>: "${id}" is not a token id (12 hex digits, as \`dms token list\` shows, or "root" for the bootstrap admin token)`)
      const config = await loadConfigForCli(options.config)
      const answers = await inEveryOffice(config, (client) => client.call('token.revoke', { id: parsed.data }))
      const result = { id: parsed.data, revoked: answers.some((a) => a.revoked) }
      printResult(options.json === true, result, (r) => (r.revoked ? `token ${r.id} revoked` : `token ${r.id} was not found in any office (nothing to revoke)`))
    })
  token
    .command('list')
    .description("the tokens of the config's first office (ids and grants, never the tokens)")
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (options: TokenOptions) => {
      const config = await loadConfigForCli(options.config)
      const first = config.offices[0]
      if (first === undefined) throw new Error('the cluster config lists no office')
      const client = new ClusterClient<TokenMethods>({ endpoints: officeClientUrls(config, first.id), callTimeoutMs: 10_000 })
      try {
        const result = await client.call('token.list', {})
        printResult(options.json === true, result, (r) =>
          [formatTable(['ID', 'GRANT', 'CREATED', 'LABEL'], r.tokens.map((t) => [t.id, grantText(t.grant), t.createdAt, t.label])), `bootstrap admin token of the current secret: ${r.bootstrap}`].join('\n'),
        )
      } finally {
        client.close()
      }
    })

  program
    .command('secret')
    .description('the cluster secret replicas authenticate each other with')
    .command('create <file>')
    .description('write a new random cluster secret to <file> (mode 600); never overwrites one')
    .action(async (file: string) => {
      await createClusterSecretFile(file)
      process.stderr.write(`dms: wrote a new cluster secret to ${file}; name it in the config as security.peerSecretFile\n`)
    })
}
