/**
 * Waits until the cluster is quiet: every office has a leader and every replica is up with its
 * applied index equal to its leader's commit index (writes have stopped, so this is final).
 *
 * A replica catching up (a restarted one may have thousands of entries to apply, and this machine
 * is shared) is not a stuck one: the wait goes on while any replica's applied index still moves,
 * and gives up after `stallMs` without movement, or after three times that in all. What is still
 * unsettled then says how far each lagging replica got during the wait, so a report tells a stuck
 * replica (no movement) from a slow one.
 */
import type { ClusterConfig } from '../../config/cluster-config-schema.js'
import { queryClusterStatus, type ClusterStatus } from '../../cluster/cluster-status.js'

export interface Quiescence {
  readonly quiesced: boolean
  /** What was still unsettled when the time ran out. */
  readonly unsettled: readonly string[]
}

const TOTAL_BUDGET_FACTOR = 3
/** A replica busy catching up on a loaded machine may answer slowly; slow is not down. */
const STATUS_TIMEOUT_MS = 5000

export async function waitForQuiescence(config: ClusterConfig, stallMs: number, pollMs = 250): Promise<Quiescence> {
  const started = Date.now()
  /** Each replica's applied index when first seen, and as of the last poll. */
  const firstApplied = new Map<string, number>()
  const lastApplied = new Map<string, number>()
  let lastMovedAt = started
  for (;;) {
    const status = await queryClusterStatus(config, STATUS_TIMEOUT_MS)
    for (const member of status.offices.flatMap((office) => office.members)) {
      if (member.appliedIndex === null) continue
      if (!firstApplied.has(member.id)) firstApplied.set(member.id, member.appliedIndex)
      if (member.appliedIndex > (lastApplied.get(member.id) ?? -1)) lastMovedAt = Date.now()
      lastApplied.set(member.id, member.appliedIndex)
    }
    const unsettled = unsettledParts(status, firstApplied, Date.now() - started)
    if (unsettled.length === 0) return { quiesced: true, unsettled }
    const now = Date.now()
    if (now - lastMovedAt >= stallMs) return { quiesced: false, unsettled: [...unsettled, `no replica applied anything for ${seconds(now - lastMovedAt)}`] }
    if (now - started >= stallMs * TOTAL_BUDGET_FACTOR) return { quiesced: false, unsettled: [...unsettled, `still catching up after ${seconds(now - started)}`] }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

function unsettledParts(status: ClusterStatus, firstApplied: ReadonlyMap<string, number>, waitedMs: number): string[] {
  return status.offices.flatMap((office) => {
    const leader = office.members.find((member) => member.id === office.leader)
    if (leader === undefined || leader.commitIndex === null) return [`office ${office.id} has no leader`]
    return office.members.flatMap((member) =>
      !member.up
        ? [`replica ${member.id} is not answering (${member.error ?? 'no answer'})`]
        : member.appliedIndex !== leader.commitIndex
          ? [
              `replica ${member.id} applied ${member.appliedIndex} of the leader's ${leader.commitIndex} ` +
                `(from ${firstApplied.get(member.id) ?? '?'} in the ${seconds(waitedMs)} waited; its commit ${member.commitIndex}, ` +
                `${member.role} in term ${member.term}; leader ${leader.id} in term ${leader.term})`,
            ]
          : [],
    )
  })
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10}s`
}
