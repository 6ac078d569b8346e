/**
 * One port per replica, two paths: clients on /client, the replica's Raft peers on /peer. Keeping
 * them apart lets each path have its own frame limit, validation and (later) authentication.
 */
export const CLIENT_PATH = '/client'
export const PEER_PATH = '/peer'

export interface ReplicaAddress {
  readonly host: string
  readonly port: number
}

export function clientUrl(address: ReplicaAddress, tls = false): string {
  return `${tls ? 'wss' : 'ws'}://${hostForUrl(address.host)}:${address.port}${CLIENT_PATH}`
}

export function peerUrl(address: ReplicaAddress, tls = false): string {
  return `${tls ? 'wss' : 'ws'}://${hostForUrl(address.host)}:${address.port}${PEER_PATH}`
}

/** IPv6 literals need brackets inside a URL. */
function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}
