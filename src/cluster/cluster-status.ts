/**
 * Asks every replica of every office for its status, in parallel, and summarizes each office:
 * who leads, in which term, and how each member is doing. A replica that does not answer in time
 * is reported down rather than failing the whole query.
 */
import { randomUUID } from 'node:crypto'
import { RpcConnection } from '../client/rpc-connection.js'
import type { ClusterConfig } from '../config/cluster-config-schema.js'
import { officeClientUrls } from '../config/cluster-topology.js'
import type { ReplicaStatus } from '../office/office-api.js'

export interface MemberStatus {
  readonly id: string
  readonly url: string
  readonly up: boolean
  readonly role: ReplicaStatus['role'] | null
  readonly term: number | null
  readonly commitIndex: number | null
  readonly appliedIndex: number | null
  readonly error: string | null
}

export interface OfficeStatus {
  readonly id: string
  readonly name: string
  readonly timeZone: string
  /** The leader of the highest term any member reports, if a live member leads in it. */
  readonly leader: string | null
  readonly term: number | null
  readonly members: readonly MemberStatus[]
}

export interface ClusterStatus {
  readonly clusterId: string
  readonly tzdb: string | null
  readonly offices: readonly OfficeStatus[]
}

/** One replica's own status, or null when it does not answer within `timeoutMs`. */
export async function queryReplicaStatus(url: string, timeoutMs = 1000): Promise<ReplicaStatus | null> {
  const connection = new RpcConnection(url)
  try {
    return (await connection.request(randomUUID(), 'replica.status', {}, timeoutMs)) as ReplicaStatus
  } catch {
    return null
  } finally {
    connection.close()
  }
}

/** The client URL of a replica of the config. */
export function replicaClientUrl(config: ClusterConfig, nodeId: string): string {
  for (const office of config.offices) {
    const i = office.replicas.findIndex((r) => r.id === nodeId)
    if (i >= 0) return officeClientUrls(config, office.id)[i] as string
  }
  throw new Error(`unknown replica id "${nodeId}"`)
}

export async function queryClusterStatus(config: ClusterConfig, timeoutMs = 1500): Promise<ClusterStatus> {
  let tzdb: string | null = null
  const offices = await Promise.all(
    config.offices.map(async (office): Promise<OfficeStatus> => {
      const urls = officeClientUrls(config, office.id)
      const members = await Promise.all(
        office.replicas.map(async (replica, i): Promise<MemberStatus> => {
          const url = urls[i] as string
          const status = await queryReplicaStatus(url, timeoutMs)
          if (status === null) {
            return { id: replica.id, url, up: false, role: null, term: null, commitIndex: null, appliedIndex: null, error: `no answer within ${timeoutMs} ms` }
          }
          tzdb ??= status.tzdb
          return { id: replica.id, url, up: true, role: status.role, term: status.term, commitIndex: status.commitIndex, appliedIndex: status.appliedIndex, error: null }
        }),
      )
      const terms = members.flatMap((m) => (m.term === null ? [] : [m.term]))
      const term = terms.length === 0 ? null : Math.max(...terms)
      const leader = members.find((m) => m.role === 'leader' && m.term === term)?.id ?? null
      return { id: office.id, name: office.name, timeZone: office.timeZone, leader, term, members }
    }),
  )
  return { clusterId: config.clusterId, tzdb, offices }
}
