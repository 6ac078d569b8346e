/**
 * Taking and installing a state-machine snapshot: `StateMachineStore.snapshotData()` over a
 * keyspace shaped like a KV office after 100,000 puts (10,000 KV keys of 100-byte values and
 * 100,000 applied-request records), then `installSnapshot` of the result into a second store.
 * Wall time and the process's CPU time for each, and the snapshot's size.
 *
 *   npm run bench:snapshot [-- --requests 100000 --keys 10000 --rounds 3]
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { randomUUID } from 'node:crypto'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore, type StateMachineOp } from '../../storage/state-machine-store.js'

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '100000' },
    keys: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
  },
})
const requests = Number(values.requests)
const keys = Number(values.keys)
const rounds = Number(values.rounds)
for (const [name, value] of [['--requests', requests], ['--keys', keys], ['--rounds', rounds]] as const) {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${String(value)}`)
}

const root = await mkdtemp(join(tmpdir(), 'dms-snapshot-bench-'))
try {
  const source = await ReplicaDb.open(join(root, 'source'), { clusterId: 'bench', replicaId: 'source' })
  const store = await StateMachineStore.open(source)
  let index = 0
  const fill = async (ops: StateMachineOp[]): Promise<void> => store.commit(ops, { index: ++index, term: 1 })
  for (let first = 0; first < keys; first += 1000) {
    const ops: StateMachineOp[] = []
    for (let k = first; k < Math.min(keys, first + 1000); k++) ops.push({ type: 'put', key: `kv/k${String(k).padStart(13, '0')}`, value: Buffer.alloc(130, k % 251) })
    await fill(ops)
  }
  for (let first = 0; first < requests; first += 1000) {
    const ops: StateMachineOp[] = []
    for (let r = first; r < Math.min(requests, first + 1000); r++) ops.push({ type: 'put', key: `req/${randomUUID()}`, value: Buffer.alloc(60, r % 251) })
    await fill(ops)
  }
  for (let round = 1; round <= rounds; round++) {
    const taking = measure()
    const produced = await store.snapshotData()
    const took = taking()
    const target = await ReplicaDb.open(join(root, `target-${round}`), { clusterId: 'bench', replicaId: `target-${round}` })
    const installer = await StateMachineStore.open(target)
    const installing = measure()
    await installer.installSnapshot({ meta: { index: produced.index, term: produced.term, conf: { voters: ['source'], learners: [] } }, data: produced.data })
    const installed = installing()
    await target.close()
    console.log(
      JSON.stringify({
        round,
        keys: keys + requests,
        snapshotMB: +(produced.data.byteLength / 2 ** 20).toFixed(1),
        takeMs: took.wallMs,
        takeCpuMs: took.cpuMs,
        installMs: installed.wallMs,
        installCpuMs: installed.cpuMs,
      }),
    )
  }
  await source.close()
} finally {
  await rm(root, { recursive: true, force: true })
}

function measure(): () => { wallMs: number; cpuMs: number } {
  const wall = performance.now()
  const cpu = process.cpuUsage()
  return () => {
    const used = process.cpuUsage(cpu)
    return { wallMs: Math.round(performance.now() - wall), cpuMs: Math.round((used.user + used.system) / 1000) }
  }
}
