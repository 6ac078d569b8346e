/**
 * Per-seed parameters: cluster size, link quality, fault rates and core settings are all drawn
 * from the seed, so a few hundred seeds cover fast and lossy networks, durable and volatile state
 * machines, tiny snapshot chunks, lease reads on and off, and so on.
 */
import type { RaftConfig } from '../../raft/types.js'
import type { Prng } from './prng.js'
import type { LinkConditions } from './sim-network.js'

export interface SimProfile {
  readonly voters: number
  /**
   * Simulated time units per tick of a nominal clock. Each replica's clock runs at its own fixed
   * rate, `tickInterval` or `tickInterval + 1` units per tick: a drift of 5%, under one tick per
   * election timeout (electionTicks <= 14), inside the bound lease reads assume.
   */
  readonly tickInterval: number
  readonly links: LinkConditions
  readonly raft: Omit<RaftConfig, 'id' | 'random'>
  readonly durableMachine: boolean
  readonly compactEvery: number
  /** Per-tick probabilities of each kind of fault while faults are on. */
  readonly crashRate: number
  /** Probability, per Ready that sent messages, of crashing right after sending it. */
  readonly crashAfterSendRate: number
  /**
   * Probability, per Ready a leader sent messages in, of cutting that leader off at once (its
   * messages still in flight are lost): leaves uncommitted tails in many terms, as in Figure 8 of
   * the Raft paper.
   */
  readonly isolateLeaderAfterSendRate: number
  readonly partitionRate: number
  /** How long a partition lasts, in ticks: long splits, or short bursts that churn leadership. */
  readonly partitionTicks: readonly [number, number]
  readonly membershipRate: number
  readonly transferRate: number
  /** Client operations per tick, and the share of them that are reads. */
  readonly clientRate: number
  readonly readShare: number
  /** Most replica ids ever created (initial voters plus added ones). */
  readonly maxReplicas: number
  /**
   * Pipelined driver only: how long one write takes to land, in time units. Slow disks gather
   * many Readys into one write and hold acknowledgements back; fast ones land most writes before
   * the next message arrives.
   */
  readonly writeLatency: readonly [number, number]
}

export function drawProfile(random: Prng): SimProfile {
  const tickInterval = 20
  const electionTicks = random.between(8, 14)
  const checkQuorum = random.chance(0.85)
  const leaseReads = checkQuorum && random.chance(0.3)
  const voters = random.chance(0.6) ? 3 : 5
  const lossy = random.chance(0.5)
  return {
    voters,
    tickInterval,
    links: {
      lossRate: lossy ? random.pick([0.01, 0.05, 0.15]) : 0,
      duplicateRate: random.pick([0, 0.01, 0.05]),
      minDelay: 1,
      maxDelay: random.pick([10, 20, 40, 60]),
      longDelayRate: random.pick([0, 0.01, 0.03]),
      longDelay: random.pick([120, 300, 600]),
    },
    raft: {
      electionTicks,
      heartbeatTicks: random.between(1, 3),
      maxBytesPerMessage: random.pick([16, 64, 256, 4096]),
      maxInflightMessages: random.between(1, 5),
      snapshotChunkBytes: random.pick([16, 64, 256, 1 << 20]),
      preVote: random.chance(0.85),
      checkQuorum,
      leaseReads,
      maxClockDriftTicks: leaseReads ? random.between(1, 3) : 0,
    },
    durableMachine: random.chance(0.5),
    compactEvery: random.pick([4, 10, 25, 60]),
    crashRate: random.pick([0.002, 0.01, 0.03]),
    crashAfterSendRate: random.pick([0, 0.0005, 0.002]),
    isolateLeaderAfterSendRate: random.pick([0, 0.005, 0.02, 0.05]),
    partitionRate: random.pick([0.002, 0.01, 0.02, 0.1]),
    partitionTicks: random.pick([[5, 80], [1, 15]] as const),
    membershipRate: random.pick([0, 0.005, 0.02]),
    transferRate: random.pick([0, 0.005, 0.02]),
    clientRate: random.pick([0.3, 1, 3]),
    readShare: random.pick([0.2, 0.5]),
    maxReplicas: voters + 4,
    // Drawn last, so every other parameter of a seed is what it was before the pipelined driver.
    writeLatency: random.pick([[1, 4], [1, 10], [4, 20]] as const),
  }
}

export function describeProfile(p: SimProfile): string {
  const r = p.raft
  const l = p.links
  return [
    `${p.voters} voters, election ${r.electionTicks} ticks, heartbeat ${r.heartbeatTicks}`,
    `preVote ${r.preVote}, checkQuorum ${r.checkQuorum}, leaseReads ${r.leaseReads} (drift ${r.maxClockDriftTicks})`,
    `batch ${r.maxBytesPerMessage}B, inflight ${r.maxInflightMessages}, chunk ${r.snapshotChunkBytes}B, compact every ${p.compactEvery}`,
    `${p.durableMachine ? 'durable' : 'volatile'} state machine`,
    `links: loss ${l.lossRate}, dup ${l.duplicateRate}, delay ${l.minDelay}-${l.maxDelay} (long ${l.longDelayRate} up to ${l.longDelay}) per tick of ${p.tickInterval} (+1 on slow clocks)`,
    `after send: crash ${p.crashAfterSendRate}, isolate leader ${p.isolateLeaderAfterSendRate}`,
    `pipelined writes take ${p.writeLatency[0]}-${p.writeLatency[1]}`,
    `per tick: crash ${p.crashRate}, partition ${p.partitionRate} for ${p.partitionTicks[0]}-${p.partitionTicks[1]} ticks, membership ${p.membershipRate}, transfer ${p.transferRate}, client ${p.clientRate} (reads ${p.readShare})`,
  ].join('; ')
}

/**
 * A reshaping that concentrates on leadership churn: three voters, leaders cut off right after
 * they send, frequent short partitions and crashes, one small append in flight at a time, long
 * delays. These are the conditions of Figure 8 of the Raft paper, where commit-rule bugs show.
 */
export function leaderChurn(p: SimProfile): SimProfile {
  return {
    ...p,
    voters: 3,
    maxReplicas: 7,
    crashRate: 0.03,
    isolateLeaderAfterSendRate: 0.05,
    partitionRate: 0.1,
    partitionTicks: [1, 15],
    links: { ...p.links, maxDelay: 60 },
    raft: { ...p.raft, maxInflightMessages: 1, maxBytesPerMessage: 16 },
  }
}

export const profileShapes = {
  /** The profile exactly as drawn from the seed. */
  mixed: (p: SimProfile): SimProfile => p,
  churn: leaderChurn,
} as const

export type ProfileShape = keyof typeof profileShapes
