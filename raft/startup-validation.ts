import type { ConfState, Entry, RaftConfig, RestoredState } from './types.js'

/**
 * Checks what the driver hands the core at construction. These are boundary errors (a bad config
 * file or a corrupt store), so they throw plain Errors that name the offending field.
 */

function positiveInteger(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`RaftConfig.${name} must be a positive integer, got ${value}`)
}

export function validateRaftConfig(config: RaftConfig): void {
  if (typeof config.id !== 'string' || config.id.length === 0) throw new Error('RaftConfig.id must be a non-empty string')
  positiveInteger(config.electionTicks, 'electionTicks')
  positiveInteger(config.heartbeatTicks, 'heartbeatTicks')
  positiveInteger(config.maxBytesPerMessage, 'maxBytesPerMessage')
  positiveInteger(config.maxInflightMessages, 'maxInflightMessages')
  positiveInteger(config.snapshotChunkBytes, 'snapshotChunkBytes')
  if (config.heartbeatTicks >= config.electionTicks) {
    throw new Error(`RaftConfig.heartbeatTicks (${config.heartbeatTicks}) must be below electionTicks (${config.electionTicks})`)
  }
  if (!Number.isSafeInteger(config.maxClockDriftTicks) || config.maxClockDriftTicks < 0) {
    throw new Error(`RaftConfig.maxClockDriftTicks must be a non-negative integer, got ${config.maxClockDriftTicks}`)
  }
  if (config.leaseReads && !config.checkQuorum) throw new Error('RaftConfig.leaseReads requires RaftConfig.checkQuorum')
  if (config.leaseReads && config.maxClockDriftTicks >= config.electionTicks) {
    throw new Error('RaftConfig.maxClockDriftTicks must be below electionTicks when leaseReads is on (the lease would be empty)')
  }
  if (typeof config.random !== 'function') throw new Error('RaftConfig.random must be a function returning [0, 1)')
}

function validateConf(conf: ConfState, name: string): void {
  const all = [...conf.voters, ...conf.learners]
  if (new Set(all).size !== all.length) throw new Error(`${name} lists a node twice: ${all.join(', ')}`)
  if (all.some((id) => typeof id !== 'string' || id.length === 0)) throw new Error(`${name} has an empty node id`)
}

export function validateRestoredState(restored: RestoredState): void {
  const { hardState, snapshot, entries, applied } = restored
  if (!Number.isSafeInteger(hardState.term) || hardState.term < 0) throw new Error(`RestoredState.hardState.term is invalid: ${hardState.term}`)
  if (!Number.isSafeInteger(hardState.commit) || hardState.commit < 0) throw new Error(`RestoredState.hardState.commit is invalid: ${hardState.commit}`)
  validateConf(restored.conf, 'RestoredState.conf')
  if (snapshot !== null) validateConf(snapshot.meta.conf, 'RestoredState.snapshot.meta.conf')
  const base = snapshot?.meta.index ?? 0
  let prevTerm = snapshot?.meta.term ?? 0
  entries.forEach((e: Entry, i) => {
    if (e.index !== base + 1 + i) throw new Error(`RestoredState.entries[${i}] has index ${e.index}, expected ${base + 1 + i}`)
    if (e.term < prevTerm) throw new Error(`RestoredState.entries[${i}] has term ${e.term} below the previous term ${prevTerm}`)
    if (e.term > hardState.term) throw new Error(`RestoredState.entries[${i}] has term ${e.term} above hardState.term ${hardState.term}`)
    prevTerm = e.term
  })
  const last = base + entries.length
  if (hardState.commit > last) throw new Error(`RestoredState.hardState.commit ${hardState.commit} is beyond the last stored index ${last}`)
  if (!Number.isSafeInteger(applied) || applied < 0) throw new Error(`RestoredState.applied is invalid: ${applied}`)
  if (applied > Math.max(hardState.commit, base)) {
    throw new Error(`RestoredState.applied ${applied} is beyond the commit index ${Math.max(hardState.commit, base)}`)
  }
}
