/**
 * Questions the running processes ask of a validated config: where is this replica, who are its
 * peers, what are an office's client endpoints, and how long is a message's trip between offices.
 */
import { clientUrl, peerUrl } from '../rpc/endpoint-urls.js'
import type { ClusterConfig, OfficeConfig, ReplicaConfig } from './cluster-config-schema.js'

export interface ReplicaPlacement {
  readonly office: OfficeConfig
  readonly replica: ReplicaConfig
}

export function findReplica(config: ClusterConfig, nodeId: string): ReplicaPlacement {
  for (const office of config.offices) {
    const replica = office.replicas.find((candidate) => candidate.id === nodeId)
    if (replica !== undefined) return { office, replica }
  }
  const known = config.offices.flatMap((office) => office.replicas.map((replica) => replica.id))
  throw new Error(`unknown replica id "${nodeId}"; this config has ${known.join(', ')}`)
}

export function findOffice(config: ClusterConfig, officeId: string): OfficeConfig {
  const office = config.offices.find((candidate) => candidate.id === officeId)
  if (office !== undefined) return office
  throw new Error(`unknown office "${officeId}"; this config has ${config.offices.map((o) => o.id).join(', ')}`)
}

function usesTls(config: ClusterConfig): boolean {
  return config.security.tls !== null
}

/** The /client URLs of an office's replicas, in config order. */
export function officeClientUrls(config: ClusterConfig, officeId: string): string[] {
  return clientTargetsOf(findOffice(config, officeId), usesTls(config)).endpoints
}

/**
 * What a ClusterClient for an office needs: the replicas' /client URLs, also by replica id so that
 * a redirect to the leader keeps the caller's route (e.g. an inter-office delay proxy).
 */
export function clientTargetsOf(office: OfficeConfig, tls: boolean): { endpoints: string[]; replicaUrls: Map<string, string> } {
  const replicaUrls = new Map(office.replicas.map((replica) => [replica.id, clientUrl(replica, tls)]))
  return { endpoints: [...replicaUrls.values()], replicaUrls }
}

/** The other replicas of `nodeId`'s office: node id -> /peer URL. */
export function peerUrlsOf(config: ClusterConfig, nodeId: string): Map<string, string> {
  const { office } = findReplica(config, nodeId)
  return new Map(office.replicas.filter((replica) => replica.id !== nodeId).map((replica) => [replica.id, peerUrl(replica, usesTls(config))]))
}

/** The configured one-way delay between two offices, or 0 (same office, delays off, or none given). */
export function oneWayDelayMs(config: ClusterConfig, fromOffice: string, toOffice: string): number {
  const delays = config.interOfficeDelays
  if (!delays.enabled || fromOffice === toOffice) return 0
  return delays.oneWayMs[`${fromOffice}-${toOffice}`] ?? delays.oneWayMs[`${toOffice}-${fromOffice}`] ?? 0
}
