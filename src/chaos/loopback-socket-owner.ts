/**
 * Which local process dialed a loopback TCP connection. A listener sees only the dialer's
 * ephemeral port; on Linux, /proc/net/tcp names the socket (its inode) bound to that port and
 * connected to ours, and /proc/<pid>/fd shows which of the candidate processes holds it. The
 * chaos harness uses this to tell which replica dialed a joined member's single address (see
 * joined-member-front.ts). Elsewhere, or when no candidate holds the socket, the answer is null.
 */
import { readdir, readFile, readlink } from 'node:fs/promises'

export interface LoopbackConnection {
  /** The port the listener accepted on. */
  readonly localPort: number
  /** The dialer's port, as the listener sees it. */
  readonly remotePort: number
}

/** Of `candidates`, the pid whose socket dialed the connection, or null if none did (or this is not Linux). */
export async function loopbackDialer(connection: LoopbackConnection, candidates: readonly number[]): Promise<number | null> {
  const inodes = await dialerSocketInodes(connection)
  if (inodes.size === 0) return null
  for (const pid of candidates) {
    if (await holdsAnySocket(pid, inodes)) return pid
  }
  return null
}

/** Inodes of the sockets bound to the dialer's port and connected to the listener's port. */
async function dialerSocketInodes(connection: LoopbackConnection): Promise<Set<string>> {
  const inodes = new Set<string>()
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string
    try {
      text = await readFile(table, 'utf8')
    } catch {
      continue
    }
    // Rows: "sl local_address rem_address st ... uid timeout inode ..."; addresses are HEXIP:HEXPORT.
    for (const row of text.split('\n').slice(1)) {
      const fields = row.trim().split(/\s+/)
      const local = fields[1]
      const remote = fields[2]
      const inode = fields[9]
      if (local === undefined || remote === undefined || inode === undefined || inode === '0') continue
      if (portOf(local) === connection.remotePort && portOf(remote) === connection.localPort) inodes.add(inode)
    }
  }
  return inodes
}

function portOf(address: string): number {
  return Number.parseInt(address.slice(address.lastIndexOf(':') + 1), 16)
}

async function holdsAnySocket(pid: number, inodes: ReadonlySet<string>): Promise<boolean> {
  let fds: string[]
  try {
    fds = await readdir(`/proc/${pid}/fd`)
  } catch {
    return false
  }
  for (const fd of fds) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '')
    // A socket descriptor reads as "socket:[inode]".
    if (target.startsWith('socket:[') && inodes.has(target.slice('socket:['.length, -1))) return true
  }
  return false
}
