/**
 * Throughput of the Raft core alone: three in-memory replicas, no disk, no network, messages
 * delivered in-process. It shows the CPU cost of the consensus logic and how batching (proposals
 * per Ready) amortizes it. Usage: tsx test/bench/raft-core-bench.ts [--entries N]
 */
import { performance } from 'node:perf_hooks'
import { RaftNode, type Message, type RaftConfig } from '../../raft/index.js'

const ids = ['a', 'b', 'c']
const entriesArg = process.argv.indexOf('--entries')
const total = entriesArg >= 0 ? Number(process.argv[entriesArg + 1]) : 200_000
if (!Number.isSafeInteger(total) || total <= 0) throw new Error(`--entries must be a positive integer, got ${process.argv[entriesArg + 1]}`)

function config(id: string): RaftConfig {
  let state = id.charCodeAt(0)
  return {
    id, electionTicks: 10, heartbeatTicks: 2, maxBytesPerMessage: 1 << 20, maxInflightMessages: 256,
    snapshotChunkBytes: 1 << 16, preVote: true, checkQuorum: true, leaseReads: false, maxClockDriftTicks: 2,
    random: () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31),
  }
}

function run(batch: number): { perSecond: number; messagesPerEntry: number } {
  const nodes = new Map(ids.map((id) => [id, new RaftNode(config(id), { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [], applied: 0, conf: { voters: ids, learners: [] } })]))
  const leader = nodes.get('a')
  if (leader === undefined) throw new Error('no leader node')
  let messages = 0
  const pump = (): void => {
    let queue: Message[] = []
    do {
      for (const n of nodes.values()) {
        while (n.hasReady()) {
          const rd = n.ready()
          queue.push(...rd.messages)
          n.advance(rd)
        }
      }
      const batchOut = queue
      queue = []
      messages += batchOut.length
      for (const m of batchOut) nodes.get(m.to)?.step(m)
    } while ([...nodes.values()].some((n) => n.hasReady()))
  }
  while (leader.status().role !== 'leader') {
    leader.tick()
    pump()
  }
  messages = 0
  const payload = new Uint8Array(150)
  const start = performance.now()
  for (let done = 0; done < total; done += batch) {
    for (let i = 0; i < batch; i++) leader.propose(payload)
    pump()
  }
  const seconds = (performance.now() - start) / 1000
  if (leader.status().commit < total) throw new Error('not everything committed')
  return { perSecond: total / seconds, messagesPerEntry: messages / total }
}

console.log('| proposals per Ready | committed entries/s | messages per entry |')
console.log('| ---: | ---: | ---: |')
for (const batch of [1, 16, 256]) {
  const r = run(batch)
  console.log(`| ${batch} | ${Math.round(r.perSecond)} | ${r.messagesPerEntry.toFixed(3)} |`)
}
