/**
 * Coalesces the frames one turn of the event loop writes to a WebSocket into one syscall. Under
 * load, a replica answers many requests in the same turn (one Raft apply settles a whole batch),
 * and a client sends many; corking the TCP socket until the next tick turns N small writes into
 * one writev, which cut the CPU per pipelined request by about a quarter in `npm run bench:rpc`.
 * ws keeps its net.Socket in a private field; if that ever changes, this quietly does nothing.
 */
import type { WebSocket } from 'ws'

interface Corkable {
  cork(): void
  uncork(): void
}

const corked = new WeakSet<WebSocket>()

export function corkUntilNextTick(socket: WebSocket): void {
  if (corked.has(socket)) return
  const raw = (socket as unknown as { _socket?: Partial<Corkable> })._socket
  if (typeof raw?.cork !== 'function' || typeof raw.uncork !== 'function') return
  const tcp = raw as Corkable
  corked.add(socket)
  tcp.cork()
  process.nextTick(() => {
    corked.delete(socket)
    tcp.uncork()
  })
}
