/**
 * What the simulation did, for humans and for replay checks: the last events in a ring buffer
 * (printed with a failing seed) and a digest over every event (two runs of a seed must agree).
 */
import type { Message } from '../../raft/types.js'
import { hashString } from './prng.js'

export class Trace {
  private readonly ring: string[] = []
  private next = 0
  private hash = 0x811c9dc5
  private count = 0

  constructor(private readonly capacity: number) {}

  record(time: number, text: string): void {
    const line = `t=${time} ${text}`
    this.hash = Math.imul(this.hash ^ hashString(line), 0x01000193) >>> 0
    this.count++
    if (this.capacity === 0) return
    if (this.ring.length < this.capacity) this.ring.push(line)
    else this.ring[this.next] = line
    this.next = (this.next + 1) % this.capacity
  }

  /** The retained events, oldest first. */
  lines(): string[] {
    if (this.ring.length < this.capacity) return [...this.ring]
    return [...this.ring.slice(this.next), ...this.ring.slice(0, this.next)]
  }

  /** Fingerprint of the whole run: equal digests mean the same events in the same order. */
  digest(): string {
    return `${this.count}:${this.hash.toString(16)}`
  }
}

export function describeMessage(m: Message): string {
  const head = `${m.type} ${m.from}->${m.to} t${m.term}`
  switch (m.type) {
    case 'preVote':
    case 'vote':
      return `${head} last ${m.lastLogIndex}/${m.lastLogTerm}${m.type === 'vote' && m.transfer ? ' transfer' : ''}`
    case 'preVoteResponse':
    case 'voteResponse':
      return `${head} ${m.granted ? 'granted' : 'rejected'}`
    case 'append': {
      const first = m.entries[0]
      const last = m.entries[m.entries.length - 1]
      const span = first === undefined || last === undefined ? 'no entries' : `entries ${first.index}..${last.index}`
      return `${head} prev ${m.prevLogIndex}/${m.prevLogTerm} ${span} commit ${m.commit}`
    }
    case 'appendResponse':
      return m.reject ? `${head} reject ${m.index} hint ${m.hintIndex}/${m.hintTerm}` : `${head} ok ${m.index}`
    case 'heartbeat':
      return `${head} commit ${m.commit}${m.readContext === null ? '' : ` read ${m.readContext}`}`
    case 'heartbeatResponse':
      return `${head}${m.readContext === null ? '' : ` read ${m.readContext}`}`
    case 'snapshot':
      return `${head} snap ${m.meta.index}/${m.meta.term} offset ${m.offset} +${m.chunk.length}B${m.done ? ' done' : ''}`
    case 'snapshotResponse':
      return `${head} snap ${m.snapshotIndex} next ${m.nextOffset}${m.reject ? ' reject' : ''}${m.done ? ' done' : ''}`
    case 'timeoutNow':
      return head
    case 'readIndex':
      return `${head} ${m.context}`
    case 'readIndexResponse':
      return `${head} ${m.context} index ${m.index ?? 'none'}`
  }
}
