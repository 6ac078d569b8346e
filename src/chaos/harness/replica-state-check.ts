/**
 * After quiescence every replica of an office must hold the same state machine. Each replica's
 * whole KV keyspace (keys, values, revisions, store revision) is read from that replica alone
 * (a stale read, no leader involved) at a moment when its applied index is the same before and
 * after the read, and compared with the office's majority state.
 */
import { randomUUID } from 'node:crypto'
import { RpcConnection } from '../../client/rpc-connection.js'
import type { ClusterConfig } from '../../config/cluster-config-schema.js'
import { officeClientUrls } from '../../config/cluster-topology.js'
import type { KvRangeResult } from '../../kv/kv-read.js'
import type { ReplicaStatus } from '../../office/office-api.js'
import type { CheckFindings } from './chaos-checks.js'

export interface ReplicaState {
  readonly node: string
  readonly office: string
  readonly appliedIndex: number
  /** The replica's KV state, canonically serialized; null if it could not be read consistently. */
  readonly fingerprint: string | null
}

/** More than this many keys could not be compared in one read. */
const RANGE_LIMIT = 10_000
const READ_ATTEMPTS = 5

export async function readReplicaStates(config: ClusterConfig, timeoutMs = 3000): Promise<ReplicaState[]> {
  return Promise.all(
    config.offices.flatMap((office) => {
      const urls = officeClientUrls(config, office.id)
      return office.replicas.map(async (replica, index): Promise<ReplicaState> => {
        const connection = new RpcConnection(urls[index] as string)
        try {
          for (let attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            const before = (await connection.request(randomUUID(), 'replica.status', {}, timeoutMs)) as ReplicaStatus
            const range = (await connection.request(randomUUID(), 'kv.range', { prefix: '', limit: RANGE_LIMIT, stale: true }, timeoutMs)) as KvRangeResult
            const after = (await connection.request(randomUUID(), 'replica.status', {}, timeoutMs)) as ReplicaStatus
            if (before.appliedIndex === after.appliedIndex) {
              return { node: replica.id, office: office.id, appliedIndex: after.appliedIndex, fingerprint: fingerprintOf(range) }
            }
          }
          return { node: replica.id, office: office.id, appliedIndex: -1, fingerprint: null }
        } catch {
          return { node: replica.id, office: office.id, appliedIndex: -1, fingerprint: null }
        } finally {
          connection.close()
        }
      })
    }),
  )
}

export function fingerprintOf(range: KvRangeResult): string {
  return JSON.stringify([range.storeRevision, range.entries.map((entry) => [entry.key, entry.value, entry.revision])])
}

/** Counts replicas whose state differs from their office's most common one, or that could not be read. */
export function checkReplicaStates(states: readonly ReplicaState[]): CheckFindings {
  const problems: string[] = []
  let divergent = 0
  for (const office of [...new Set(states.map((state) => state.office))]) {
    const members = states.filter((state) => state.office === office)
    const tally = new Map<string, number>()
    for (const state of members) {
      const key = `${state.appliedIndex}|${state.fingerprint ?? ''}`
      if (state.fingerprint !== null) tally.set(key, (tally.get(key) ?? 0) + 1)
    }
    const majority = [...tally].sort((a, b) => b[1] - a[1])[0]?.[0]
    for (const state of members) {
      if (state.fingerprint === null) {
        divergent++
        problems.push(`office ${office}: replica ${state.node} could not be read at a stable applied index`)
      } else if (`${state.appliedIndex}|${state.fingerprint}` !== majority) {
        divergent++
        problems.push(`office ${office}: replica ${state.node} at applied index ${state.appliedIndex} differs from the office's majority state`)
      }
    }
  }
  return { divergentReplicas: divergent, problems }
}
