/**
 * Refuses to start a replica whose stored office disagrees with its config in a way that would
 * split the office: data recorded for a membership that does not include this replica (it was
 * removed, or the directory belongs to another office's group), or a config whose office shares no
 * replica with the membership the data records (the config describes some other group). A fresh
 * directory, or one that is joining, has nothing to compare yet.
 */
import { applyConfChange, members } from '../../raft/membership.js'
import type { ConfState, RestoredState } from '../../raft/types.js'
import type { OfficeConfig } from '../config/cluster-config-schema.js'

/** The membership the stored log ends with: the snapshot's, then every config entry after it. */
export function storedMembership(restored: RestoredState): ConfState {
  let conf: ConfState = restored.snapshot?.meta.conf ?? { voters: [], learners: [] }
  for (const entry of restored.entries) if (entry.kind === 'config') conf = applyConfChange(conf, entry.change)
  return conf
}

/** Throws an error naming the directory, the stored members and the config's when they would split the office. */
export function checkStoredMembership(restored: RestoredState, nodeId: string, office: OfficeConfig, directory: string): void {
  const stored = members(storedMembership(restored))
  if (stored.length === 0) return
  const configured = office.replicas.map((replica) => replica.id)
  if (!stored.includes(nodeId)) {
    throw new Error(
      `${directory}: the stored membership of office ${office.id} is ${stored.join(', ')}, which does not include ${nodeId}; ` +
        'starting it would run a replica outside its group (was it removed? restore the right data directory, or start it empty with --join after `dms office add-replica`)',
    )
  }
  if (!configured.some((id) => id !== nodeId && stored.includes(id)) && stored.length > 1) {
    throw new Error(
      `${directory}: the config lists office ${office.id} as ${configured.join(', ')}, but the data records its members as ${stored.join(', ')}; ` +
        'a config that shares no other replica with the stored group would split the office: fix the replica ids in the config',
    )
  }
}
