/** Where the RPC layer reports what it refused or lost; injected so tests can read it and nodes can route it. */
export interface RpcLogger {
  warn(message: string, fields?: Readonly<Record<string, unknown>>): void
}

export const stderrLogger: RpcLogger = {
  warn(message, fields) {
    process.stderr.write(`[rpc] ${message}${fields === undefined ? '' : ` ${JSON.stringify(fields)}`}\n`)
  },
}

export const silentLogger: RpcLogger = { warn() {} }

/** Log the first few of a kind of problem, then every thousandth, so a flood cannot flood the log. */
const LOG_FIRST = 20
const LOG_EVERY = 1000

export function warnSampled(logger: RpcLogger, message: string, count: number, fields: Readonly<Record<string, unknown>>): void {
  if (count <= LOG_FIRST || count % LOG_EVERY === 0) logger.warn(message, { ...fields, count })
}
