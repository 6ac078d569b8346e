import type { Command } from 'commander'
import { registerRecurCommands } from './recur.js'
import { registerBenchCommands } from './bench.js'
import { registerChaosCommand } from './chaos.js'
import { registerClusterCommands } from './cluster.js'
import { registerKvCommands } from './kv.js'
import { registerNodeCommand } from './node.js'
import { registerOfficeCommands } from './office.js'
import { registerStatusCommand } from './status.js'
import { registerAgendaCommand } from './agenda.js'
import { registerAvailabilityCommand } from './availability.js'
import { registerEventCommands } from './event.js'
import { registerMeetingCommands } from './meeting.js'
import { registerUserCommands } from './user.js'
import { registerWatchCommand } from './watch.js'
import { registerIcalCommands } from './ical.js'
import { registerTokenCommands } from './token.js'
import { registerDevCertCommand } from './dev-cert.js'

/** Every command group of `dms`; each module adds its subcommands to the program. */
export function registerCommands(program: Command): void {
  registerClusterCommands(program)
  registerNodeCommand(program)
  registerStatusCommand(program)
  registerOfficeCommands(program)
  registerKvCommands(program)
  registerBenchCommands(program)
  registerChaosCommand(program)
  registerRecurCommands(program)
  registerUserCommands(program)
  registerEventCommands(program)
  registerAgendaCommand(program)
  registerAvailabilityCommand(program)
  registerMeetingCommands(program)
  registerWatchCommand(program)
  registerIcalCommands(program)
  registerTokenCommands(program)
  registerDevCertCommand(program)
}
