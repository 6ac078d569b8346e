/**
 * How two replicas recognise each other on /peer. The accepting side speaks first with a random
 * challenge; the dialer answers with who it is and a proof over that challenge; the acceptor checks
 * cluster, office, node and proof, then welcomes it. Only after `welcome` does the dialer send Raft
 * batches (arrays of messages). Authentication itself is the `PeerAuthenticator`'s job: today the
 * open one; the cluster-secret challenge-response (issue 8) plugs in here without a protocol change.
 */
import { z } from 'zod'

export interface PeerIdentity {
  readonly clusterId: string
  readonly officeId: string
  readonly nodeId: string
}

export interface PeerAuthenticator {
  /** The dialer's proof that it holds the cluster's credentials, bound to the acceptor's nonce. */
  prove(nonce: Uint8Array, dialer: PeerIdentity): Uint8Array
  verify(nonce: Uint8Array, dialer: PeerIdentity, proof: Uint8Array): boolean
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

export const challengeFrameSchema = z.strictObject({ type: z.literal('challenge'), nonce: bytes(NONCE_BYTES) })
export const helloFrameSchema = z.strictObject({
  type: z.literal('hello'),
  clusterId: id,
  officeId: id,
  nodeId: id,
  /** Which replica the dialer meant to reach, so a mis-wired address is refused, not joined. */
  to: id,
  proof: bytes(1024),
})
export const welcomeFrameSchema = z.strictObject({ type: z.literal('welcome'), nodeId: id })

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
