/**
 * Model-based test: random sequences of appends (including overwrites of a suffix), compactions,
 * received snapshots, hard-state updates and reopenings, compared after every reopening with a
 * plain in-memory model of what the log must hold.
 */
import t from 'tap'
import fc from 'fast-check'
import { join } from 'node:path'
import type { Entry, HardState, Snapshot } from '../../raft/types.js'
import { RaftLogStore } from '../../storage/raft-log-store.js'
import { ReplicaDb } from '../../storage/replica-db.js'

const identity = { clusterId: 'model', replicaId: 'r1' }
const conf = { voters: ['r1'], learners: [] }

type Step =
  | { readonly op: 'append'; readonly back: number; readonly count: number }
  | { readonly op: 'compact'; readonly keep: number }
  | { readonly op: 'receiveSnapshot'; readonly ahead: number }
  | { readonly op: 'reopen' }

const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('append' as const), back: fc.nat(4), count: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('compact' as const), keep: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('receiveSnapshot' as const), ahead: fc.integer({ min: 1, max: 5 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'reopen' as const }) },
)

class LogModel {
  snapshot: Snapshot | null = null
  entries: Entry[] = []
  hardState: HardState = { term: 0, vote: null, commit: 0 }
  term = 1

  snapshotIndex(): number {
    return this.snapshot?.meta.index ?? 0
  }

  lastIndex(): number {
    return this.snapshotIndex() + this.entries.length
  }
}

t.test('the store always reloads exactly what the model holds', async (t) => {
  const root = t.testdir()
  let run = 0
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
      const dir = join(root, `run-${run++}`)
      const model = new LogModel()
      let db = await ReplicaDb.open(dir, identity)
      let store = await RaftLogStore.open(db)
      try {
        for (const s of steps) {
          switch (s.op) {
            case 'append': {
              // A new leader term overwrites from `start`; the same term only appends.
              const start = Math.max(model.snapshotIndex() + 1, model.lastIndex() + 1 - s.back)
              if (start <= model.lastIndex()) model.term++
              const entries: Entry[] = []
              for (let i = 0; i < s.count; i++) {
                entries.push({ kind: 'command', index: start + i, term: model.term, data: Buffer.from(`${start + i}@${model.term}`) })
              }
              model.hardState = { term: model.term, vote: 'r1', commit: start - 1 }
              await store.persist({ snapshot: null, entries, hardState: model.hardState })
              model.entries = [...model.entries.slice(0, start - 1 - model.snapshotIndex()), ...entries]
              break
            }
            case 'compact': {
              const at = model.lastIndex() - s.keep
              if (at <= model.snapshotIndex()) break
              const term = model.entries[at - 1 - model.snapshotIndex()]?.term ?? 0
              const snapshot: Snapshot = { meta: { index: at, term, conf }, data: Buffer.from(`state@${at}`) }
              await store.compact(snapshot)
              model.entries = model.entries.slice(at - model.snapshotIndex())
              model.snapshot = snapshot
              break
            }
            case 'receiveSnapshot': {
              model.term++
              const at = model.lastIndex() + s.ahead
              const snapshot: Snapshot = { meta: { index: at, term: model.term, conf }, data: Buffer.from(`sent@${at}`) }
              model.hardState = { term: model.term, vote: null, commit: at }
              await store.persist({ snapshot, entries: [], hardState: model.hardState })
              model.entries = []
              model.snapshot = snapshot
              break
            }
            case 'reopen': {
              await db.close()
              db = await ReplicaDb.open(dir, identity)
              store = await RaftLogStore.open(db)
              break
            }
          }
        }
        await db.close()
        db = await ReplicaDb.open(dir, identity)
        store = await RaftLogStore.open(db)
        const restored = await store.load({ applied: 0, conf })
        const render = (entries: readonly Entry[]): string[] =>
          entries.map((e) => `${e.index}@${e.term}:${e.kind === 'command' ? Buffer.from(e.data).toString() : ''}`)
        t.same(render(restored.entries), render(model.entries))
        // Whatever a snapshot covers was committed: a stored commit behind it is raised to it.
        t.same(restored.hardState, { ...model.hardState, commit: Math.max(model.hardState.commit, model.snapshotIndex()) })
        t.same(restored.snapshot?.meta ?? null, model.snapshot?.meta ?? null)
        t.equal(Buffer.from(restored.snapshot?.data ?? []).toString(), Buffer.from(model.snapshot?.data ?? []).toString())
      } finally {
        await db.close()
      }
    }),
    { numRuns: 40, seed: 20261121 },
  )
})
