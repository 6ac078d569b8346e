/**
 * Who may read GET /metrics when client authentication is on: an admin token (named or bootstrap)
 * or a metrics token (`dms token create --metrics`, what a Prometheus scrape job's
 * `authorization.credentials_file` holds). The metrics carry no calendar data, but they show load,
 * leadership and request rates per method, which is not for anyone who can reach the port.
 */
import type { IncomingHttpHeaders } from 'node:http'
import { warnSampled } from '../rpc/rpc-logger.js'
import { authenticate, type ClientGateOptions } from './client-gate.js'
import { PEER_CREDENTIAL_MAX_SKEW_MS } from './client-credentials.js'
import { PeerNonceRegister } from './peer-nonce-register.js'
import { describePrincipal } from './principal.js'

/** null lets the scrape through; else why it is refused. */
export type MetricsGate = (headers: IncomingHttpHeaders, remoteAddress: string | null) => Promise<string | null>

export function metricsGate(options: ClientGateOptions): MetricsGate {
  const nonces = new PeerNonceRegister(2 * PEER_CREDENTIAL_MAX_SKEW_MS)
  let refusals = 0
  return async (headers, remoteAddress) => {
    const principal = await authenticate(options, nonces, headers.authorization, options.now())
    if (principal.kind === 'admin' || principal.kind === 'scraper') return null
    const reason =
      principal.kind === 'anonymous' ? principal.reason : `${describePrincipal(principal)} may not read /metrics: use a metrics token (dms token create --metrics) or an admin token`
    warnSampled(options.logger, 'refused a metrics scrape', ++refusals, { remoteAddress, reason })
    return reason
  }
}
