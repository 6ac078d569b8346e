/**
 * RPC and transport figures on loopback, server and client in this one process:
 *  1. client request/response round trip (one request at a time): p50/p99/max;
 *  2. pipelined client requests (64 in flight on one connection): requests per second;
 *  3. peer frame throughput: batches of Raft append messages (one ~150-byte entry each) from one
 *     replica's transport to another's, with a bounded number of frames in flight.
 * CPU time per operation (both ends together) is reported too: on a shared machine it varies far
 * less with load than wall-clock rates do.
 * Run: npm run bench:rpc [-- --seconds 3]
 */
import { z } from 'zod'
import type { Message } from '../../raft/types.js'
import { RpcConnection } from '../../src/client/rpc-connection.js'
import { PeerTransport } from '../../src/rpc/peer-transport.js'
import { ReplicaListener } from '../../src/rpc/replica-listener.js'
import { silentLogger } from '../../src/rpc/rpc-logger.js'
import { RpcServer } from '../../src/rpc/rpc-server.js'

const secondsArg = process.argv.indexOf('--seconds')
const SECONDS = secondsArg >= 0 ? Number(process.argv[secondsArg + 1]) : 3
if (!Number.isFinite(SECONDS) || SECONDS <= 0) throw new Error(`--seconds: expected a positive number, got ${process.argv[secondsArg + 1]}`)

function listener(onClient: RpcServer | null, onPeer: PeerTransport | (() => PeerTransport | null) | null): ReplicaListener {
  return new ReplicaListener({
    onClient: (socket, remote) => (onClient === null ? socket.terminate() : onClient.accept(socket, remote)),
    onPeer: (socket, remote) => {
      const transport = typeof onPeer === 'function' ? onPeer() : onPeer
      if (transport === null) socket.terminate()
      else transport.acceptIncoming(socket, remote)
    },
    maxClientFrameBytes: 1024 * 1024,
    maxPeerFrameBytes: 16 * 1024 * 1024,
    tls: null,
  })
}

/** Microseconds of CPU (user + system) this process used since `start`. */
function cpuMicros(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start)
  return used.user + used.system
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}

async function clientRoundTrips(): Promise<Record<string, number>> {
  const server = new RpcServer({ logger: silentLogger }).method('echo', z.strictObject({ key: z.string(), value: z.string() }), (p) => p)
  const listen = listener(server, null)
  const port = await listen.listen(0, '127.0.0.1')
  const connection = new RpcConnection(`ws://127.0.0.1:${port}/client`)
  const params = { key: 'k'.repeat(16), value: 'v'.repeat(100) }
  let seq = 0
  for (let i = 0; i < 2000; i++) await connection.request(`w${seq++}`, 'echo', params, 5000)

  const samples: number[] = []
  const sequentialCpu = process.cpuUsage()
  const end = performance.now() + SECONDS * 1000
  while (performance.now() < end) {
    const start = performance.now()
    await connection.request(`r${seq++}`, 'echo', params, 5000)
    samples.push(performance.now() - start)
  }
  const cpuUsPerRoundTrip = cpuMicros(sequentialCpu) / samples.length
  samples.sort((a, b) => a - b)

  const WINDOW = 64
  let completed = 0
  const pipelinedEnd = performance.now() + SECONDS * 1000
  const started = performance.now()
  const pipelinedCpu = process.cpuUsage()
  await Promise.all(
    Array.from({ length: WINDOW }, async () => {
      while (performance.now() < pipelinedEnd) {
        await connection.request(`p${seq++}`, 'echo', params, 5000)
        completed++
      }
    }),
  )
  const pipelinedPerSec = completed / ((performance.now() - started) / 1000)
  const pipelinedCpuUs = cpuMicros(pipelinedCpu) / completed
  connection.close()
  server.closeAll()
  await listen.close()
  return {
    roundTrips: samples.length,
    p50Ms: percentile(samples, 50),
    p99Ms: percentile(samples, 99),
    maxMs: samples.at(-1) ?? Number.NaN,
    cpuUsPerRoundTrip,
    pipelined64PerSec: pipelinedPerSec,
    pipelined64CpuUsPerRequest: pipelinedCpuUs,
  }
}

async function peerThroughput(batchSize: number, framesInFlight: number): Promise<Record<string, number>> {
  let delivered = 0
  let wake: (() => void) | null = null
  let b: PeerTransport | null = null
  const listenB = listener(null, () => b)
  const portB = await listenB.listen(0, '127.0.0.1')
  const a = new PeerTransport({
    self: { clusterId: 'bench', officeId: 'o', nodeId: 'a' },
    peers: new Map([['b', `ws://127.0.0.1:${portB}/peer`]]),
    deliver: () => {},
    random: Math.random,
    logger: silentLogger,
  })
  b = new PeerTransport({
    self: { clusterId: 'bench', officeId: 'o', nodeId: 'b' },
    peers: new Map([['a', 'ws://127.0.0.1:1/peer']]),
    deliver: () => {
      delivered++
      if (delivered % batchSize === 0) wake?.()
    },
    random: Math.random,
    logger: silentLogger,
  })
  a.start()
  while (!a.connectedPeers().includes('b')) await new Promise((resolve) => setTimeout(resolve, 5))

  let index = 0
  const batch = (): Message[] =>
    Array.from({ length: batchSize }, () => {
      index++
      return {
        type: 'append',
        from: 'a',
        to: 'b',
        term: 7,
        prevLogIndex: index - 1,
        prevLogTerm: 7,
        commit: index - 1,
        entries: [{ kind: 'command', term: 7, index, data: new Uint8Array(150).fill(index & 0xff) }],
      }
    })
  let sentFrames = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  const end = started + SECONDS * 1000
  while (performance.now() < end) {
    while (sentFrames - delivered / batchSize < framesInFlight) {
      a.send(batch())
      sentFrames++
    }
    await new Promise<void>((resolve) => {
      wake = resolve
    })
  }
  const elapsed = (performance.now() - started) / 1000
  const cpuUsPerMessage = cpuMicros(cpu) / delivered
  const stats = a.stats()
  a.close()
  b.close()
  await listenB.close()
  return {
    batchSize,
    framesInFlight,
    messagesPerSec: delivered / elapsed,
    framesPerSec: delivered / batchSize / elapsed,
    mbPerSec: (delivered * 150) / elapsed / 1e6,
    cpuUsPerMessage,
    dropped: stats.droppedBackpressure + stats.droppedDisconnected + stats.droppedQueueFull,
  }
}

const round = (value: number): number => Math.round(value * 1000) / 1000
const rounded = (record: Record<string, number>): Record<string, number> => Object.fromEntries(Object.entries(record).map(([k, v]) => [k, round(v)]))

const client = rounded(await clientRoundTrips())
const peer = [] as Record<string, number>[]
for (const [batchSize, inFlight] of [
  [1, 1],
  [16, 4],
  [64, 8],
  [256, 8],
] as const) {
  peer.push(rounded(await peerThroughput(batchSize, inFlight)))
}
process.stdout.write(`${JSON.stringify({ node: process.version, seconds: SECONDS, client, peer }, null, 2)}\n`)
