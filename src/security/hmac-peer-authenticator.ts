/**
 * Peer authentication by the cluster secret: each end proves it holds the secret with an
 * HMAC-SHA256 over the handshake transcript (its role, the cluster, office, both node ids and both
 * nonces). The secret never crosses the wire, a proof is useless on any other connection (fresh
 * nonces) or for the other role, and proofs are compared in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { HandshakeRole, HandshakeTranscript, PeerAuthenticator } from '../rpc/peer-handshake.js'
import type { ClusterSecret } from './cluster-secret.js'

const PROTOCOL_LABEL = 'dms-peer-handshake-v1'

export function hmacPeerAuthenticator(secret: ClusterSecret): PeerAuthenticator {
  const prove = (role: HandshakeRole, t: HandshakeTranscript): Buffer => {
    const mac = createHmac('sha256', secret.hmacKey())
    // Length-prefixed fields, so no two different transcripts can encode to the same bytes.
    for (const field of [PROTOCOL_LABEL, role, t.clusterId, t.officeId, t.dialer, t.acceptor]) writeField(mac, Buffer.from(field, 'utf8'))
    writeField(mac, t.acceptorNonce)
    writeField(mac, t.dialerNonce)
    return mac.digest()
  }
  return {
    prove,
    verify: (role, transcript, proof) => {
      const expected = prove(role, transcript)
      return proof.length === expected.length && timingSafeEqual(expected, proof)
    },
  }
}

function writeField(mac: ReturnType<typeof createHmac>, bytes: Uint8Array): void {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(bytes.length)
  mac.update(length)
  mac.update(bytes)
}
