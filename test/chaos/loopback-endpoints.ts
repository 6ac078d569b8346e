import { connect, createServer, type Server, type Socket } from 'node:net'

/**
 * Plain TCP endpoints on 127.0.0.1 for the proxy tests: a target server that records what each
 * connection sent and can answer, and a client that records what it receives. Everything opened
 * here is closed by `close()`, and every wait is bounded.
 */
export interface LoopbackTarget {
  readonly port: number
  readonly connections: Socket[]
  received(): string
  close(): Promise<void>
}

export async function startLoopbackTarget(): Promise<LoopbackTarget> {
  const connections: Socket[] = []
  const chunks: Buffer[] = []
  const server: Server = createServer((socket) => {
    connections.push(socket)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('target server has no port')
  return {
    port: address.port,
    connections,
    received: () => Buffer.concat(chunks).toString(),
    close: async () => {
      for (const socket of connections) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

export interface LoopbackClient {
  readonly socket: Socket
  received(): string
  readonly closed: Promise<void>
}

export async function connectLoopbackClient(port: number): Promise<LoopbackClient> {
  const socket = connect({ host: '127.0.0.1', port })
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  socket.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve)
    socket.once('error', reject)
  })
  return { socket, received: () => Buffer.concat(chunks).toString(), closed }
}

/** Polls until `condition` holds; fails (never hangs) after `timeoutMs`. */
export async function eventually(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const started = Date.now()
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

export const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
