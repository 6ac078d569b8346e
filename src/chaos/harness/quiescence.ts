/**
 * Waits until the cluster is quiet: every office has a leader and every replica is up with its
 * applied index equal to its leader's commit index (writes have stopped, so this is final).
 */
import type { ClusterConfig } from '../../config/cluster-config-schema.js'
import { queryClusterStatus, type ClusterStatus } from '../../cluster/cluster-status.js'

export interface Quiescence {
  readonly quiesced: boolean
  /** What was still unsettled when the time ran out. */
  readonly unsettled: readonly string[]
}

export async function waitForQuiescence(config: ClusterConfig, timeoutMs: number, pollMs = 250): Promise<Quiescence> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const unsettled = unsettledParts(await queryClusterStatus(config, 1000))
    if (unsettled.length === 0) return { quiesced: true, unsettled }
    if (Date.now() >= deadline) return { quiesced: false, unsettled }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

function unsettledParts(status: ClusterStatus): string[] {
  return status.offices.flatMap((office) => {
    const leader = office.members.find((member) => member.id === office.leader)
    if (leader === undefined || leader.commitIndex === null) return [`office ${office.id} has no leader`]
    return office.members.flatMap((member) =>
      !member.up
        ? [`replica ${member.id} is not answering (${member.error ?? 'no answer'})`]
        : member.appliedIndex !== leader.commitIndex
          ? [
              `replica ${member.id} applied ${member.appliedIndex} of the leader's ${leader.commitIndex} ` +
                `(its commit ${member.commitIndex}, ${member.role} in term ${member.term}; leader ${leader.id} in term ${leader.term})`,
            ]
          : [],
    )
  })
}
