/** The Raft log store with each synced write timed: what an fsync costs this replica, as a histogram. */
import type { PersistBatch, RaftStorage } from '../../raft/driver.js'
import type { Snapshot } from '../../raft/types.js'
import type { RaftLogStore } from '../../storage/raft-log-store.js'

export function timeSyncedWrites(store: RaftLogStore, observeSeconds: (seconds: number) => void): RaftStorage {
  return {
    async persist(batch: PersistBatch): Promise<void> {
      // The store does not write a batch that only moves the commit index (half the batches at low
      // load): timing it would count a no-op as an fsync.
      if (store.onlyMovesCommit(batch)) return store.persist(batch)
      const started = performance.now()
      await store.persist(batch)
      observeSeconds((performance.now() - started) / 1000)
    },
    compact: (snapshot: Snapshot) => store.compact(snapshot),
  }
}
