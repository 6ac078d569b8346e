#!/usr/bin/env node
/**
 * The `dms` command. Each command group lives in its own module under cli/commands/ and
 * registers itself on the program; this file only assembles them and maps errors to exit codes.
 */
import { Command, CommanderError } from 'commander'
import { registerCommands } from './commands/index.js'
import { packageVersion } from './package-version.js'
import { tzdbVersion } from '../src/calendar/time/time-zone.js'

const program = new Command('dms')
  .description('DistributedMeetingScheduler: offices as Raft groups, cross-office meetings by two-phase commit')
  .version(`${packageVersion()} (tzdata ${tzdbVersion()})`, '-V, --version')
  .showHelpAfterError()
  .exitOverride()

registerCommands(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode)
  const message = err instanceof Error ? err.message : String(err)
  process.stderr.write(`dms: ${message}\n`)
  process.exit(1)
}
