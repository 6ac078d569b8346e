/**
 * What a replica's config says about security, made into the pieces the replica wires in: the peer
 * authenticator for /peer, the gate for /client, and the credential it shows other offices when it
 * calls them (2PC, directory). With no secret and client authentication off, everything is open,
 * as it is for local development.
 */
import type { StateMachineStore } from '../../storage/state-machine-store.js'
import { readMeeting } from '../calendar-service/calendar-store.js'
import type { AuthorizationSource } from '../client/client-authorization.js'
import type { ClusterConfig } from '../config/cluster-config-schema.js'
import { readKvKey } from '../kv/kv-read.js'
import type { PeerAuthenticator } from '../rpc/peer-handshake.js'
import type { RpcLogger } from '../rpc/rpc-logger.js'
import type { RequestGate } from '../rpc/rpc-server.js'
import { clientGate } from './client-gate.js'
import { peerCredential } from './client-credentials.js'
import { CLUSTER_SECRET_ENV, loadClusterSecret, type ClusterSecret } from './cluster-secret.js'
import { hmacPeerAuthenticator } from './hmac-peer-authenticator.js'
import { decodeTokenRecord, tokenKey } from './token-records.js'

export interface ReplicaSecurity {
  /** null: the open authenticator (any process that names the right ids is a peer). */
  readonly peerAuthenticator: PeerAuthenticator | null
  /** The Authorization this replica sends when it calls another office. */
  readonly outgoingAuthorization: AuthorizationSource
  /** The /client gate over this replica's state; null when client authentication is off. */
  gate(store: StateMachineStore, logger: RpcLogger): RequestGate | null
}

export async function loadReplicaSecurity(config: ClusterConfig, nodeId: string, now: () => number, env: NodeJS.ProcessEnv = process.env): Promise<ReplicaSecurity> {
  const secret = await loadClusterSecret(config.security.peerSecretFile, env)
  if (config.security.clientAuth && secret === null) {
    throw new Error(`security.clientAuth is on but there is no cluster secret: set security.peerSecretFile or ${CLUSTER_SECRET_ENV}`)
  }
  if (secret === null) return { peerAuthenticator: null, outgoingAuthorization: () => null, gate: () => null }
  return {
    peerAuthenticator: hmacPeerAuthenticator(secret),
    outgoingAuthorization: () => peerCredential(secret, config.clusterId, nodeId, now()),
    gate: (store, logger) => (config.security.clientAuth ? officeGate(secret, config.clusterId, store, now, logger) : null),
  }
}

function officeGate(secret: ClusterSecret, clusterId: string, store: StateMachineStore, now: () => number, logger: RpcLogger): RequestGate {
  return clientGate({
    secret,
    clusterId,
    readToken: async (id) => decodeTokenRecord((await readKvKey(store, tokenKey(id))).value),
    meetings: async (id) => {
      const meeting = await readMeeting(store, id)
      return meeting === null ? null : { organizer: meeting.organizer, invitees: [...meeting.required, ...meeting.optional] }
    },
    now,
    logger,
  })
}
