/**
 * Invariant checks for the Raft core. A failed assertion is a bug in this code, never a bad
 * message from a peer: peer input is validated and ignored or rejected before it reaches state.
 */
export class RaftInvariantError extends Error {
  override readonly name = 'RaftInvariantError'
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new RaftInvariantError(`raft invariant violated: ${message}`)
}
