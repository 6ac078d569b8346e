import type { ConfState, Entry, Message } from './types.js'

/**
 * A cheap structural check of a peer message, so that nothing a peer sends can make the core
 * throw or corrupt its arithmetic. The transport validates shapes too; this is the core's own
 * guard for the fields it computes with.
 */

function index(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function entryIsSane(e: Entry | undefined): boolean {
  if (e === undefined || typeof e !== 'object' || !index(e.index) || !index(e.term)) return false
  switch (e.kind) {
    case 'command':
      return e.data instanceof Uint8Array
    case 'noop':
      return true
    case 'config':
      return typeof e.change === 'object' && e.change !== null && typeof e.change.node === 'string' && e.change.node.length > 0
    default:
      return false
  }
}

function confIsSane(conf: ConfState | undefined): boolean {
  if (typeof conf !== 'object' || conf === null || !Array.isArray(conf.voters) || !Array.isArray(conf.learners)) return false
  const all = [...conf.voters, ...conf.learners]
  return all.every((id) => typeof id === 'string' && id.length > 0) && new Set(all).size === all.length
}

export function isWellFormed(msg: Message): boolean {
  if (typeof msg !== 'object' || msg === null) return false
  if (typeof msg.from !== 'string' || typeof msg.to !== 'string' || !index(msg.term)) return false
  switch (msg.type) {
    case 'preVote':
    case 'vote':
      return index(msg.lastLogIndex) && index(msg.lastLogTerm)
    case 'append':
      return index(msg.prevLogIndex) && index(msg.prevLogTerm) && index(msg.commit) && Array.isArray(msg.entries) && msg.entries.every(entryIsSane)
    case 'appendResponse':
      return index(msg.index) && index(msg.hintIndex) && index(msg.hintTerm)
    case 'heartbeat':
      return index(msg.commit)
    case 'snapshot':
      return index(msg.offset) && msg.chunk instanceof Uint8Array && typeof msg.meta === 'object' && msg.meta !== null && index(msg.meta.index) && index(msg.meta.term) && msg.meta.term <= msg.term && confIsSane(msg.meta.conf)
    case 'snapshotResponse':
      return index(msg.snapshotIndex) && index(msg.nextOffset)
    case 'readIndex':
      return typeof msg.context === 'string'
    case 'readIndexResponse':
      return typeof msg.context === 'string' && (msg.index === null || index(msg.index))
    case 'preVoteResponse':
    case 'voteResponse':
    case 'heartbeatResponse':
    case 'timeoutNow':
      return true
    default:
      return false
  }
}
