#!/usr/bin/env node
/**
 * The `dms` command. Each command group lives in its own module under cli/commands/ and
 * registers itself on the program; this file only assembles them and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander'
import { registerCommands } from './commands/index.js'
import { packageVersion } from './package-version.js'
import { tzdbVersion } from '../src/calendar/time/time-zone.js'
import { TOKEN_ENV, TOKEN_FILE_ENV } from '../src/client/client-authorization.js'

const program = new Command('dms')
  .description('DistributedMeetingScheduler: offices as Raft groups, cross-office meetings by two-phase commit')
  .version(`${packageVersion()} (tzdata ${tzdbVersion()})`, '-V, --version')
  .showHelpAfterError()
  .exitOverride()
  .option('--token-file <file>', `file holding this client's API token (or set ${TOKEN_ENV} / ${TOKEN_FILE_ENV}); see docs/SECURITY.md`)
  .hook('preAction', (root) => {
    // Every client connection reads its credential from here (src/client/client-authorization.ts).
    const tokenFile = (root.opts() as { tokenFile?: string }).tokenFile
    if (tokenFile !== undefined) process.env[TOKEN_FILE_ENV] = tokenFile
  })

registerCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode)
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(`dms: ${message}\n`)
  process.exit(1)
}
