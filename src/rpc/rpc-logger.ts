/** Where the RPC layer reports what it refused or lost; injected so tests can read it and nodes can route it. */
import { createEventLogger, type EventLogger, type LogFields } from '../logging/event-logger.js'

export type RpcLogger = Pick<EventLogger, 'warn'>

/** For servers and transports built without a logger: JSON lines on stderr, tagged as the RPC layer's. */
export const stderrLogger: RpcLogger = createEventLogger({ level: 'info', bindings: { component: 'rpc' } })

export const silentLogger: RpcLogger = { warn() {} }

/** Log the first few of a kind of problem, then every thousandth, so a flood cannot flood the log. */
const LOG_FIRST = 20
const LOG_EVERY = 1000

export function warnSampled(logger: RpcLogger, message: string, count: number, fields: LogFields): void {
  if (count <= LOG_FIRST || count % LOG_EVERY === 0) logger.warn(message, { ...fields, count })
}
