import type { Command } from 'commander'
import { registerRecurCommands } from './recur.js'
import { registerBenchCommands } from './bench.js'
import { registerClusterCommands } from './cluster.js'
import { registerKvCommands } from './kv.js'
import { registerNodeCommand } from './node.js'
import { registerOfficeCommands } from './office.js'
import { registerStatusCommand } from './status.js'

/** Every command group of `dms`; each module adds its subcommands to the program. */
export function registerCommands(program: Command): void {
  registerClusterCommands(program)
  registerNodeCommand(program)
  registerStatusCommand(program)
  registerOfficeCommands(program)
  registerKvCommands(program)
  registerBenchCommands(program)
  registerRecurCommands(program)
}
