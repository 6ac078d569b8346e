/**
 * A token bucket: `ratePerSecond` tokens a second, up to `burst` saved. Each request takes one,
 * so a client may burst briefly but not exceed the rate for long. Time comes from an injected clock.
 */
export class TokenBucket {
  private tokens: number
  private lastMs: number

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly now: () => number,
  ) {
    this.tokens = burst
    this.lastMs = now()
  }

  /** Takes a token if there is one. */
  take(): boolean {
    const nowMs = this.now()
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) * this.ratePerSecond) / 1000)
      this.lastMs = nowMs
    }
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}
