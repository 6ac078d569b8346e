/**
 * Structured logs: one JSON line per event (pino), with a level, an ISO time and the bindings of
 * the logger that wrote it (a replica binds its node and office ids, so every line names them).
 * Code logs through the small EventLogger interface, so tests can hand in a recorder.
 */
import { pino, type DestinationStream, type Logger } from 'pino'

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

export type LogFields = Readonly<Record<string, unknown>>

export interface EventLogger {
  debug(message: string, fields?: LogFields): void
  info(message: string, fields?: LogFields): void
  warn(message: string, fields?: LogFields): void
  error(message: string, fields?: LogFields): void
  /** The same logger with more fields bound to every line it writes. */
  child(bindings: LogFields): EventLogger
}

export interface EventLoggerOptions {
  readonly level: LogLevel
  /** Fields on every line, e.g. { node: 'nyc-1', office: 'nyc' }. */
  readonly bindings: LogFields
  /** Default: stderr, written synchronously so the last lines before an exit are not lost. */
  readonly destination?: DestinationStream
}

export function parseLogLevel(text: string, field: string): LogLevel {
  const level = LOG_LEVELS.find((known) => known === text)
  if (level === undefined) throw new RangeError(`${field}: expected one of ${LOG_LEVELS.join(', ')}, got "${text}"`)
  return level
}

export function createEventLogger(options: EventLoggerOptions): EventLogger {
  const logger = pino(
    {
      level: options.level,
      base: options.bindings,
      timestamp: pino.stdTimeFunctions.isoTime,
      // "level":"warn" rather than pino's numeric 40: readable by people and by grep.
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination ?? pino.destination({ dest: 2, sync: true }),
  )
  return wrap(logger)
}

function wrap(logger: Logger): EventLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (bindings) => wrap(logger.child(bindings)),
  }
}
