/** The Raft storage with each synced write timed: what an fsync costs this replica, as a histogram. */
import type { PersistBatch, RaftStorage } from '../../raft/driver.js'
import type { Snapshot } from '../../raft/types.js'

export function timeSyncedWrites(storage: RaftStorage, observeSeconds: (seconds: number) => void): RaftStorage {
  return {
    async persist(batch: PersistBatch): Promise<void> {
      const started = performance.now()
      await storage.persist(batch)
      observeSeconds((performance.now() - started) / 1000)
    },
    compact: (snapshot: Snapshot) => storage.compact(snapshot),
  }
}
