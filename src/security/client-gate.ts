/**
 * The gate every client request passes on /client when authentication is on: who the connection
 * is (from its Authorization header, looked up once and again every `revalidateMs`, so a revoked
 * token stops working on open connections too), then whether the access policy lets that
 * principal call the method with these params. Answers come from memory for all but the rules that
 * must read a meeting, so the per-request cost is a map lookup.
 */
import type { IncomingHttpHeaders } from 'node:http'
import type { RequestGate, GateSession } from '../rpc/rpc-server.js'
import { warnSampled, type RpcLogger } from '../rpc/rpc-logger.js'
import { authorize, unauthenticated, type MeetingParties } from './access-policy.js'
import { parseAuthorization, PEER_CREDENTIAL_MAX_SKEW_MS, ROOT_TOKEN_ID, sameHash, hashToken, verifyPeerCredential, verifyRootToken } from './client-credentials.js'
import { PeerNonceRegister } from './peer-nonce-register.js'
import type { ClusterSecret } from './cluster-secret.js'
import type { Principal } from './principal.js'
import type { TokenRecord } from './token-records.js'

export interface ClientGateOptions {
  readonly secret: ClusterSecret
  readonly clusterId: string
  /** The office this replica belongs to: peer credentials made for another office are refused. */
  readonly officeId: string
  /** The stored record of token `id` on this replica, or null. */
  readonly readToken: (id: string) => Promise<TokenRecord | null>
  /** Whether an admin revoked the bootstrap admin token in this office (`dms token revoke root`). */
  readonly bootstrapRevoked: () => Promise<boolean>
  readonly meetings: MeetingParties
  readonly now: () => number
  readonly logger: RpcLogger
  readonly revalidateMs?: number
}

export const DEFAULT_REVALIDATE_MS = 5000

export function clientGate(options: ClientGateOptions): RequestGate {
  const revalidateMs = options.revalidateMs ?? DEFAULT_REVALIDATE_MS
  const nonces = new PeerNonceRegister(2 * PEER_CREDENTIAL_MAX_SKEW_MS)
  let refusals = 0
  return {
    connect(headers: IncomingHttpHeaders, remoteAddress: string | null): GateSession {
      const header = headers.authorization
      // A peer's credential is a proof for this connection, made when it opened: checked once, as
      // its nonce may be used once. Tokens are looked up again every period (they can be revoked).
      const once = parseAuthorization(header).kind === 'peer'
      let current: { readonly principal: Promise<Principal>; readonly at: number } | null = null
      let known: Principal | null = null
      const principal = (): Principal | Promise<Principal> => {
        const now = options.now()
        if (current !== null && (once || now - current.at < revalidateMs)) return known ?? current.principal
        const pending = authenticate(options, nonces, header, now).then((found) => {
          // Sampled: a flood of bad credentials must not flood the log.
          if (found.kind === 'anonymous' && header !== undefined) warnSampled(options.logger, 'refused a client credential', ++refusals, { remoteAddress, reason: found.reason })
          if (current?.principal === pending) known = found
          return found
        })
        current = { principal: pending, at: now }
        known = null
        return pending
      }
      return {
        identify(method) {
          const who = principal()
          if (!(who instanceof Promise)) return unauthenticated(who, method)
          return who.then((found) => unauthenticated(found, method))
        },
        admit(method, params) {
          const who = principal()
          if (!(who instanceof Promise)) return authorize(who, method, params, options.meetings)
          return who.then((found) => authorize(found, method, params, options.meetings))
        },
      }
    },
  }
}

/** Who an Authorization header proves its bearer is (anonymous with the reason when it proves nothing). */
export async function authenticate(options: ClientGateOptions, nonces: PeerNonceRegister, header: string | undefined, nowMs: number): Promise<Principal> {
  const credential = parseAuthorization(header)
  switch (credential.kind) {
    case 'none':
      return { kind: 'anonymous', reason: 'no credential: set DMS_TOKEN or pass --token-file (see docs/SECURITY.md)' }
    case 'malformed':
      return { kind: 'anonymous', reason: credential.reason }
    case 'root':
      if (!verifyRootToken(options.secret, options.clusterId, credential.token)) return { kind: 'anonymous', reason: 'the bootstrap admin token does not match this cluster' }
      return (await options.bootstrapRevoked())
        ? { kind: 'anonymous', reason: 'the bootstrap admin token was revoked in this office (dms token revoke root): use a named admin token (DMS_TOKEN or --token-file)' }
        : { kind: 'admin', tokenId: ROOT_TOKEN_ID }
    case 'peer': {
      const problem = verifyPeerCredential(options.secret, options.clusterId, options.officeId, credential, nowMs)
      if (problem !== null) return { kind: 'anonymous', reason: problem }
      if (!nonces.claim(credential.nonce, credential.atMs, nowMs)) return { kind: 'anonymous', reason: `peer credential of ${credential.nodeId} was already used on another connection (a replay?)` }
      return { kind: 'peer', nodeId: credential.nodeId }
    }
    case 'token': {
      const record = await options.readToken(credential.id)
      if (record === null || !sameHash(record.hash, hashToken(credential.token))) {
        return { kind: 'anonymous', reason: `token ${credential.id} is unknown or revoked in this office` }
      }
      switch (record.grant.role) {
        case 'admin':
          return { kind: 'admin', tokenId: record.id }
        case 'metrics':
          return { kind: 'scraper', tokenId: record.id }
        case 'user':
          return { kind: 'user', userId: record.grant.user, tokenId: record.id }
      }
    }
  }
}
