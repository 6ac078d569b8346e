/**
 * Who is calling, as established once per client connection from its credentials. Authorization
 * (access-policy.ts) decides per method what each kind of caller may do.
 */
export type Principal =
  /** Client authentication is off (local development): every method is allowed. */
  | { readonly kind: 'open' }
  /** No credential, or one that did not verify: every method is refused with the reason. */
  | { readonly kind: 'anonymous'; readonly reason: string }
  | { readonly kind: 'admin'; readonly tokenId: string }
  | { readonly kind: 'user'; readonly userId: string; readonly tokenId: string }
  /** A replica of another (or the same) office, speaking for the cluster in two-phase commit. */
  | { readonly kind: 'peer'; readonly nodeId: string }
  /** A metrics token: reads GET /metrics (when client authentication protects it), calls no method. */
  | { readonly kind: 'scraper'; readonly tokenId: string }

/** How a principal is named in errors and logs: never a credential, only who it is. */
export function describePrincipal(principal: Principal): string {
  switch (principal.kind) {
    case 'open':
      return 'an unauthenticated caller (authentication off)'
    case 'anonymous':
      return 'an unauthenticated caller'
    case 'admin':
      return `admin token ${principal.tokenId}`
    case 'user':
      return `user "${principal.userId}" (token ${principal.tokenId})`
    case 'peer':
      return `replica ${principal.nodeId}`
    case 'scraper':
      return `metrics token ${principal.tokenId}`
  }
}
