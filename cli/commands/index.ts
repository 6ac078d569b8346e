import type { Command } from 'commander'

/** Every command group of `dms`; each module adds its subcommands to the program. */
export function registerCommands(program: Command): void {
  void program
}
