/**
 * Invariant checks for the Raft core. A failed assertion is a bug in this code, never a bad
 * message from a peer: peer input is validated and ignored or rejected before it reaches state.
 */
export class RaftInvariantError extends Error {
  override readonly name = 'RaftInvariantError'
}

/**
 * Throws unless `condition` holds. The checks run after every step, so the message is a template
 * filled only on failure: `{0}`, `{1}`, `{2}` stand for `a`, `b`, `c`. A template literal here
 * would build a string per check, which was a twelfth of a leader's allocation per put.
 */
export function assert(condition: boolean, message: string, a?: unknown, b?: unknown, c?: unknown): asserts condition {
  if (!condition) throw new RaftInvariantError(`raft invariant violated: ${fillTemplate(message, [a, b, c])}`)
}

function fillTemplate(message: string, values: readonly unknown[]): string {
  return message.replace(/\{([0-2])\}/g, (_, slot: string) => String(values[Number(slot)]))
}
