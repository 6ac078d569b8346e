import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface EtcdLocalCluster {
  readonly endpoints: readonly string[]
  stop(): Promise<void>
}

/**
 * Boots a 3-member etcd cluster (Debian's `etcd-server`) on 127.0.0.1 with data on disk and
 * etcd's default fsync-per-commit durability: the reference the Raft KV is measured against.
 */
export async function startEtcdCluster(options: { basePort?: number; dataDir?: string } = {}): Promise<EtcdLocalCluster> {
  const base = options.basePort ?? 23790
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'dms-etcd-')))
  const members = [1, 2, 3].map((i) => ({
    name: `e${i}`,
    client: `http://127.0.0.1:${base + i}`,
    peer: `http://127.0.0.1:${base + 10 + i}`,
  }))
  const initialCluster = members.map((m) => `${m.name}=${m.peer}`).join(',')
  const children: ChildProcess[] = members.map((m) =>
    spawn(
      'etcd',
      [
        '--name', m.name,
        '--data-dir', join(dataDir, m.name),
        '--listen-client-urls', m.client,
        '--advertise-client-urls', m.client,
        '--listen-peer-urls', m.peer,
        '--initial-advertise-peer-urls', m.peer,
        '--initial-cluster', initialCluster,
        '--initial-cluster-state', 'new',
        '--initial-cluster-token', 'dms-bench',
        '--log-level', 'error',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    ),
  )
  for (const child of children) {
    child.on('error', (err) => process.stderr.write(`etcd: ${err.message} (is etcd-server installed? apt-get install etcd-server)\n`))
  }
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve()
            child.once('exit', () => resolve())
            child.kill('SIGTERM')
          }),
      ),
    )
    if (!options.dataDir) await rm(dataDir, { recursive: true, force: true })
  }
  try {
    await waitHealthy(members.map((m) => m.client), 20_000)
  } catch (err) {
    await stop()
    throw err
  }
  return { endpoints: members.map((m) => m.client), stop }
}

async function waitHealthy(endpoints: readonly string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const healthy = await Promise.all(
      endpoints.map(async (url) => {
        try {
          const res = await fetch(`${url}/health`)
          const body = (await res.json()) as { health?: string }
          return body.health === 'true'
        } catch {
          return false
        }
      }),
    )
    if (healthy.every(Boolean)) return
    if (Date.now() > deadline) throw new Error(`etcd cluster not healthy within ${timeoutMs} ms at ${endpoints.join(', ')}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
