/**
 * How one proxied link treats the bytes crossing it. The conditions compose: a link can be slow,
 * jittery, narrow and duplicating at once, and a blackhole holds everything while keeping the
 * previous conditions for when it heals.
 */
export interface LinkShape {
  /**
   * Nothing crosses, both ways, and the sockets stay open: the endpoints see a silent partition
   * (timeouts), never a clean close. Bytes are held, not dropped, exactly as TCP would retransmit
   * them after a real partition heals; endpoints that give up close the connection themselves.
   */
  readonly blackhole: boolean
  /** Added to every unit (chunk or WebSocket frame) crossing the link. */
  readonly delayMs: number
  /** Each unit gets an extra uniform [0, jitterMs) delay; order within a connection is kept. */
  readonly jitterMs: number
  /** `null` for unlimited. */
  readonly bytesPerSecond: number | null
  /** Chance that a whole WebSocket data message is delivered twice (WebSocket links only). */
  readonly duplicateProbability: number
}

export const CLEAR_LINK: LinkShape = {
  blackhole: false,
  delayMs: 0,
  jitterMs: 0,
  bytesPerSecond: null,
  duplicateProbability: 0,
}

export class LinkShapeError extends Error {
  override readonly name = 'LinkShapeError'
}

export function validateLinkShape(shape: LinkShape, link: string): LinkShape {
  const nonNegative = (name: string, value: number) => {
    if (!Number.isFinite(value) || value < 0) {
      throw new LinkShapeError(`link ${link}: ${name} must be a non-negative number, got ${value}`)
    }
  }
  nonNegative('delayMs', shape.delayMs)
  nonNegative('jitterMs', shape.jitterMs)
  if (shape.bytesPerSecond !== null && !(Number.isFinite(shape.bytesPerSecond) && shape.bytesPerSecond > 0)) {
    throw new LinkShapeError(`link ${link}: bytesPerSecond must be positive or null, got ${shape.bytesPerSecond}`)
  }
  if (!(shape.duplicateProbability >= 0 && shape.duplicateProbability <= 1)) {
    throw new LinkShapeError(`link ${link}: duplicateProbability must be within [0, 1], got ${shape.duplicateProbability}`)
  }
  return shape
}
