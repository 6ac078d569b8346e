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
