/**
 * How two replicas recognise each other on /peer. The accepting side speaks first with a random
 * challenge; the dialer answers with who it is, its own nonce and a proof over both nonces; the
 * acceptor checks cluster, office, node and proof, then welcomes it with its own proof, which the
 * dialer checks in turn (so neither side talks Raft to an impostor). Only after `welcome` does the
 * dialer send Raft batches (arrays of messages). What a proof is belongs to the `PeerAuthenticator`:
 * the open one for loopback development, the cluster-secret HMAC (src/security) otherwise.
 */
import { z } from 'zod'
import { PEER_PATH } from './endpoint-urls.js'

export interface PeerIdentity {
  readonly clusterId: string
  readonly officeId: string
  readonly nodeId: string
}

/** What both proofs are bound to: the cluster, the two ends, and a fresh nonce from each end. */
export interface HandshakeTranscript {
  readonly clusterId: string
  readonly officeId: string
  readonly dialer: string
  readonly acceptor: string
  readonly acceptorNonce: Uint8Array
  readonly dialerNonce: Uint8Array
}

/** Which end a proof speaks for, so a proof one end made can never be replayed as the other's. */
export type HandshakeRole = 'dialer' | 'acceptor'

export interface PeerAuthenticator {
  prove(role: HandshakeRole, transcript: HandshakeTranscript): Uint8Array
  verify(role: HandshakeRole, transcript: HandshakeTranscript, proof: Uint8Array): boolean
}

/** Accepts any peer that names the right cluster, office and node: loopback development only. */
export const openPeerAuthenticator: PeerAuthenticator = {
  prove: () => new Uint8Array(0),
  verify: () => true,
}

const MAX_ID = 64
const id = z.string().min(1).max(MAX_ID)
const bytes = (max: number) => z.instanceof(Uint8Array).refine((b) => b.length <= max, { error: `expected at most ${max} bytes` })

export const NONCE_BYTES = 32

const nonce = z.instanceof(Uint8Array).refine((b) => b.length === NONCE_BYTES, { error: `expected a ${NONCE_BYTES}-byte nonce` })

const MAX_URL = 512

/** A replica's /peer endpoint as another replica may dial it: ws:// or wss://, a host, the /peer path, nothing else. */
function isPeerEndpoint(value: string): boolean {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return false
  }
  const plain = url.username === '' && url.password === '' && url.search === '' && url.hash === ''
  return (url.protocol === 'ws:' || url.protocol === 'wss:') && url.hostname !== '' && url.pathname === PEER_PATH && plain
}

const peerEndpoint = z.string().max(MAX_URL).refine(isPeerEndpoint, { error: `expected a ws:// or wss:// URL ending in ${PEER_PATH}` })

export const challengeFrameSchema = z.strictObject({ type: z.literal('challenge'), nonce })
export const helloFrameSchema = z.strictObject({
  type: z.literal('hello'),
  clusterId: id,
  officeId: id,
  nodeId: id,
  /** Which replica the dialer meant to reach, so a mis-wired address is refused, not joined. */
  to: id,
  /** The dialer's own challenge: the acceptor's proof in `welcome` covers it. */
  nonce,
  proof: bytes(1024),
  /**
   * Where the dialer listens for peers (optional: older replicas do not send it). An acceptor that
   * does not know the dialer as a member yet (it lags behind the change that added it) answers there.
   */
  peerUrl: peerEndpoint.optional(),
})
export const welcomeFrameSchema = z.strictObject({ type: z.literal('welcome'), nodeId: id, proof: bytes(1024) })

/** Messages each side sends before Raft batches flow: hello; challenge and welcome. */
export const PEER_HANDSHAKE_MESSAGES = { fromDialer: 1, fromAcceptor: 2 } as const

export type ChallengeFrame = z.output<typeof challengeFrameSchema>
export type HelloFrame = z.output<typeof helloFrameSchema>
export type WelcomeFrame = z.output<typeof welcomeFrameSchema>

/** WebSocket close codes the acceptor uses to say why a peer was refused (4000-4999 are private use). */
export const PEER_CLOSE = {
  badHandshake: 4400,
  unauthenticated: 4401,
  wrongPeer: 4403,
  replaced: 4409,
} as const
