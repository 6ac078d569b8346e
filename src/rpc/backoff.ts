/**
 * Exponential backoff with "equal jitter": the wait doubles per failed attempt up to a cap, and half
 * of it is random so replicas that lost a peer at the same moment do not retry in lockstep.
 */
export interface BackoffPolicy {
  readonly baseMs: number
  readonly maxMs: number
}

/** `attempt` counts failures so far, from 0; `random` is uniform in [0, 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30))
  return ceiling / 2 + random() * (ceiling / 2)
}
