/**
 * The credentials a client presents on /client, in the WebSocket upgrade's Authorization header:
 *
 * - `Bearer dms_<id>_<secret>`: an API token. Replicas store only SHA-256 of the whole token (the
 *   token holds 256 random bits, so a plain hash is enough: nothing to brute-force), under its id.
 * - `Bearer dms_root_<mac>`: the bootstrap admin token, an HMAC of the cluster secret; whoever holds
 *   the secret can make it (`cluster up` writes it to the data directory), and no state is needed.
 * - `DMS-Peer <node>.<office>.<ms>.<nonce>.<mac>`: a replica calling another office (2PC). The HMAC
 *   binds the calling node, the office called, a timestamp and a nonce to the cluster secret; the
 *   secret itself never crosses the wire. A replica accepts each nonce once (PeerNonceRegister) and
 *   only for its own office, so a captured credential opens no second connection.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { ClusterSecret } from './cluster-secret.js'

export const TOKEN_ID_PATTERN = /^[0-9a-f]{12}$/
const TOKEN_PATTERN = /^dms_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/
const ROOT_TOKEN_PATTERN = /^dms_root_([A-Za-z0-9_-]{43})$/
const PEER_PATTERN = /^DMS-Peer ([a-z][a-z0-9-]{0,63})\.([a-z][a-z0-9]{0,15})\.(\d{1,15})\.([0-9a-f]{32})\.([0-9a-f]{64})$/
/** How far a peer credential's clock may be from ours; it is made fresh for every connection. */
export const PEER_CREDENTIAL_MAX_SKEW_MS = 60_000
export const ROOT_TOKEN_ID = 'root'
/** Where a revocation of one secret's bootstrap admin token is stored: "root-" and 12 hex digits of its hash. */
export const BOOTSTRAP_ENTRY_PATTERN = /^root-[0-9a-f]{12}$/
const PEER_LABEL = 'dms-peer-client-v2'

export interface NewToken {
  readonly id: string
  /** Shown once to the admin who made it; never stored. */
  readonly token: string
  readonly hash: string
}

export function newToken(random: (bytes: number) => Buffer = randomBytes): NewToken {
  const id = random(6).toString('hex')
  const token = `dms_${id}_${random(32).toString('base64url')}`
  return { id, token, hash: hashToken(token) }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex')
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex')
  const right = Buffer.from(b, 'hex')
  return left.length === 32 && right.length === 32 && timingSafeEqual(left, right)
}

export function rootToken(secret: ClusterSecret, clusterId: string): string {
  return `dms_root_${mac(secret, ['dms-root-token-v1', clusterId]).toString('base64url')}`
}

/**
 * The token-store id under which this secret's bootstrap admin token is revoked. Derived from the
 * token, so a new cluster secret makes a bootstrap token that no earlier revocation names (the way
 * back in when every named admin token is lost).
 */
export function bootstrapEntryId(secret: ClusterSecret, clusterId: string): string {
  return `root-${hashToken(rootToken(secret, clusterId)).slice(0, 12)}`
}

/** A fresh credential for one connection from replica `nodeId` to office `targetOffice`. */
export function peerCredential(secret: ClusterSecret, clusterId: string, nodeId: string, targetOffice: string, nowMs: number, random: (bytes: number) => Buffer = randomBytes): string {
  const nonce = random(16).toString('hex')
  const at = String(Math.floor(nowMs))
  return `DMS-Peer ${nodeId}.${targetOffice}.${at}.${nonce}.${mac(secret, [PEER_LABEL, clusterId, nodeId, targetOffice, at, nonce]).toString('hex')}`
}

/** What an Authorization header claims, before any state is consulted. */
export type PresentedCredential =
  | { readonly kind: 'none' }
  | { readonly kind: 'malformed'; readonly reason: string }
  | { readonly kind: 'token'; readonly id: string; readonly token: string }
  | { readonly kind: 'root'; readonly token: string }
  | { readonly kind: 'peer'; readonly nodeId: string; readonly office: string; readonly atMs: number; readonly nonce: string; readonly mac: string }

export function parseAuthorization(header: string | undefined): PresentedCredential {
  if (header === undefined || header === '') return { kind: 'none' }
  if (header.length > 512) return { kind: 'malformed', reason: 'the Authorization header is longer than 512 characters' }
  if (header.startsWith('Bearer ')) {
    const token = header.slice('Bearer '.length)
    const root = ROOT_TOKEN_PATTERN.exec(token)
    if (root !== null) return { kind: 'root', token }
    const match = TOKEN_PATTERN.exec(token)
    if (match?.[1] !== undefined) return { kind: 'token', id: match[1], token }
    return { kind: 'malformed', reason: 'the bearer token is not a dms token (expected dms_<id>_<secret>)' }
  }
  const peer = PEER_PATTERN.exec(header)
  if (peer !== null) {
    const [, nodeId = '', office = '', at = '', nonce = '', peerMac = ''] = peer
    return { kind: 'peer', nodeId, office, atMs: Number(at), nonce, mac: peerMac }
  }
  return { kind: 'malformed', reason: 'the Authorization header is neither "Bearer <token>" nor a DMS-Peer credential' }
}

export function verifyRootToken(secret: ClusterSecret, clusterId: string, token: string): boolean {
  const expected = Buffer.from(rootToken(secret, clusterId))
  const given = Buffer.from(token)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

/** null when the credential is genuine, fresh and made for `ownOffice`; else why not. Single use is the caller's check. */
export function verifyPeerCredential(
  secret: ClusterSecret,
  clusterId: string,
  ownOffice: string,
  credential: Extract<PresentedCredential, { kind: 'peer' }>,
  nowMs: number,
): string | null {
  if (Math.abs(nowMs - credential.atMs) > PEER_CREDENTIAL_MAX_SKEW_MS) return `peer credential of ${credential.nodeId} is more than ${PEER_CREDENTIAL_MAX_SKEW_MS} ms from this replica's clock`
  const expected = mac(secret, [PEER_LABEL, clusterId, credential.nodeId, credential.office, String(credential.atMs), credential.nonce])
  const given = Buffer.from(credential.mac, 'hex')
  if (given.length !== expected.length || !timingSafeEqual(expected, given)) return `peer credential of ${credential.nodeId} failed verification (wrong cluster secret?)`
  return credential.office === ownOffice ? null : `peer credential of ${credential.nodeId} was made for office ${credential.office}, not this office (${ownOffice})`
}

function mac(secret: ClusterSecret, fields: readonly string[]): Buffer {
  const hmac = createHmac('sha256', secret.hmacKey())
  // Length-prefixed, so no two field lists encode to the same bytes.
  for (const field of fields) hmac.update(`${Buffer.byteLength(field)}:${field}`)
  return hmac.digest()
}
