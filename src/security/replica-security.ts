/**
 * What a replica's config says about security, made into the pieces the replica wires in: the peer
 * authenticator for /peer, the gate for /client, and the credential it shows other offices when it
 * calls them (2PC, directory). With no secret and client authentication off, everything is open,
 * as it is for local development.
 */
import type { StateMachineStore } from '../../storage/state-machine-store.js'
import { readMeeting } from '../calendar-service/calendar-store.js'
import type { AuthorizationSource } from '../client/client-authorization.js'
import { isLoopbackHost, type ClusterConfig } from '../config/cluster-config-schema.js'
import { findReplica } from '../config/cluster-topology.js'
import { readKvKey } from '../kv/kv-read.js'
import type { PeerAuthenticator } from '../rpc/peer-handshake.js'
import type { RpcLogger } from '../rpc/rpc-logger.js'
import type { RequestGate } from '../rpc/rpc-server.js'
import { clientGate, type ClientGateOptions } from './client-gate.js'
import { bootstrapEntryId, peerCredential } from './client-credentials.js'
import { CLUSTER_SECRET_ENV, loadClusterSecret, type ClusterSecret } from './cluster-secret.js'
import { hmacPeerAuthenticator } from './hmac-peer-authenticator.js'
import { metricsGate, type MetricsGate } from './metrics-gate.js'
import { loadTlsMaterial, type TlsMaterial } from './tls-files.js'
import { bootstrapRevoked, decodeTokenRecord, tokenKey } from './token-records.js'

export interface ReplicaSecurity {
  /** null: the open authenticator (any process that names the right ids is a peer). */
  readonly peerAuthenticator: PeerAuthenticator | null
  /** The Authorization this replica sends when it calls office `targetOffice` (a fresh one per connection). */
  outgoingAuthorization(targetOffice: string): AuthorizationSource
  /** The /client gate over this replica's state; null when client authentication is off. */
  gate(store: StateMachineStore, logger: RpcLogger): RequestGate | null
  /** Who may read GET /metrics; null (anyone) when client authentication is off. */
  metricsGate(store: StateMachineStore, logger: RpcLogger): MetricsGate | null
  /** Certificate, key and CA for wss://; null serves and dials plain ws:// (loopback, or allowed by config). */
  readonly tls: TlsMaterial | null
  /** Where the bootstrap admin token of this secret is revoked in the token store; null without a secret. */
  readonly bootstrapEntryId: string | null
}

export async function loadReplicaSecurity(config: ClusterConfig, nodeId: string, now: () => number, env: NodeJS.ProcessEnv = process.env): Promise<ReplicaSecurity> {
  const { office, replica } = findReplica(config, nodeId)
  if (config.security.tls === null && !config.security.allowNonLoopback && !isLoopbackHost(replica.host)) {
    throw new Error(`${nodeId} listens on ${replica.host}, not a loopback address, without TLS: set security.tls (see \`dms dev-cert\`), or security.allowNonLoopback to accept plain ws://`)
  }
  const tls = await loadTlsMaterial(config.security.tls)
  const secret = await loadClusterSecret(config.security.peerSecretFile, env)
  if (config.security.clientAuth && secret === null) {
    throw new Error(`security.clientAuth is on but there is no cluster secret: set security.peerSecretFile or ${CLUSTER_SECRET_ENV}`)
  }
  if (secret === null) return { peerAuthenticator: null, outgoingAuthorization: () => () => null, gate: () => null, metricsGate: () => null, tls, bootstrapEntryId: null }
  return {
    tls,
    bootstrapEntryId: bootstrapEntryId(secret, config.clusterId),
    peerAuthenticator: hmacPeerAuthenticator(secret),
    outgoingAuthorization: (targetOffice) => () => peerCredential(secret, config.clusterId, nodeId, targetOffice, now()),
    gate: (store, logger) => (config.security.clientAuth ? clientGate(officeGateOptions(secret, config.clusterId, office.id, store, now, logger)) : null),
    metricsGate: (store, logger) => (config.security.clientAuth ? metricsGate(officeGateOptions(secret, config.clusterId, office.id, store, now, logger)) : null),
  }
}

/** Credentials checked against this replica's copy of the office's token store. */
function officeGateOptions(secret: ClusterSecret, clusterId: string, officeId: string, store: StateMachineStore, now: () => number, logger: RpcLogger): ClientGateOptions {
  return {
    secret,
    clusterId,
    officeId,
    readToken: async (id) => decodeTokenRecord((await readKvKey(store, tokenKey(id))).value),
    bootstrapRevoked: async () => bootstrapRevoked((await readKvKey(store, tokenKey(bootstrapEntryId(secret, clusterId)))).value),
    meetings: async (id) => {
      const meeting = await readMeeting(store, id)
      return meeting === null ? null : { organizer: meeting.organizer, invitees: [...meeting.required, ...meeting.optional] }
    },
    now,
    logger,
  }
}
