/**
 * Garbage collection of records that only remember something finished: closed 2PC transaction
 * records (coordinator and participant side), cancelled meetings, old notifications and settled
 * moves of people. Runs inside the apply, every TOMBSTONE_SWEEP_EVERY_ENTRIES log entries, with the
 * entry's replicated atMs as "now", and reads through the apply batch: every replica deletes the
 * same keys at the same index, whatever its batch boundaries or local clock.
 *
 * What recovery and exactly-once need stays: open transactions, prepared holds, booked meetings,
 * moves in flight and each person's notification sequence counter are never collected, and the
 * retention (default 7 days) is far longer than any retry, lease or coordinator pause, so a late
 * message about a collected transaction finds nothing it could change (see docs/DESIGN.md).
 */
import type { Index } from '../../raft/types.js'
import type { KeyspaceTransaction } from './keyspace-transaction.js'
import { recordCodec } from './record-codec.js'

export const TOMBSTONE_SWEEP_EVERY_ENTRIES = 4096
export const DEFAULT_TOMBSTONE_RETENTION_MS = 7 * 24 * 60 * 60 * 1000

/** When a record settled: a time it carries, "unknown" (settled, no time: first seen counts), or null (live, keep). */
type Settlement = number | 'unknown' | null

interface TombstoneKind {
  readonly prefix: string
  readonly settled: (value: Record<string, unknown>) => Settlement
}

const anyRecord = recordCodec<unknown>()
const timeCodec = recordCodec<number>()

/** Where a record without its own time is first seen settled; collected with the record. */
const SEEN_PREFIX = 'gc/seen/'

/** The kinds are read structurally: this module must not depend on the layers whose records it collects. */
const KINDS: readonly TombstoneKind[] = [
  {
    prefix: 'xo/tx/',
    settled: (tx) => {
      const phase = tx['phase'] as { kind?: string; finished?: boolean; decidedAtMs?: number } | undefined
      return phase?.kind === 'decided' && phase.finished === true && typeof phase.decidedAtMs === 'number' ? phase.decidedAtMs : null
    },
  },
  {
    prefix: 'xo/part/',
    settled: (part) => {
      const kind = (part['state'] as { kind?: string } | undefined)?.kind
      return kind === 'committed' || kind === 'aborted' ? 'unknown' : null
    },
  },
  { prefix: 'cal/meeting/', settled: (meeting) => (meeting['status'] === 'cancelled' ? 'unknown' : null) },
  { prefix: 'cal/outbox/', settled: (notification) => (typeof notification['atMs'] === 'number' ? notification['atMs'] : null) },
  {
    prefix: 'dir/move/',
    settled: (move) => {
      const state = move['state'] as { kind?: string; settledAtMs?: number } | undefined
      return state?.kind !== 'exporting' && typeof state?.settledAtMs === 'number' ? state.settledAtMs : null
    },
  },
]

/** Whether `sweepTombstones` has anything to do at this index. */
export function tombstoneSweepDue(index: Index): boolean {
  return index % TOMBSTONE_SWEEP_EVERY_ENTRIES === 0
}

/** Deletes what settled more than `retentionMs` before `atMs`; a no-op except every sweep interval. */
export async function sweepTombstones(tx: KeyspaceTransaction, index: Index, atMs: number, retentionMs: number): Promise<number> {
  if (!tombstoneSweepDue(index)) return 0
  const cutoff = atMs - retentionMs
  let collected = 0
  for (const kind of KINDS) {
    for (const [key, bytes] of await tx.range({ prefix: kind.prefix })) {
      const settled = kind.settled(decode(bytes))
      if (settled === null) continue
      if (settled === 'unknown') {
        const seen = await tx.get(SEEN_PREFIX + key)
        if (seen === undefined) {
          tx.put(SEEN_PREFIX + key, timeCodec.encode(atMs))
          continue
        }
        if (timeCodec.decode(seen) > cutoff) continue
        tx.del(SEEN_PREFIX + key)
      } else if (settled > cutoff) {
        continue
      }
      tx.del(key)
      collected += 1
    }
  }
  return collected
}

function decode(bytes: Uint8Array): Record<string, unknown> {
  const value = anyRecord.decode(bytes)
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {}
}
