/**
 * The nonces of the peer credentials one replica accepted while they could still be presented:
 * a credential is single-use, so one captured on its way (plain ws://) cannot open a second
 * connection. Only credentials whose HMAC verified are registered, so only holders of the cluster
 * secret can fill it; the bound keeps even a runaway peer from growing it without limit.
 */
export class PeerNonceRegister {
  /** nonce -> when the credential carrying it stops being accepted anyway; insertion order is time order within the skew. */
  private readonly until = new Map<string, number>()

  constructor(
    /** A credential is accepted this long around its timestamp (the clock skew allowed). */
    private readonly windowMs: number,
    private readonly capacity = 100_000,
  ) {}

  /**
   * Records the nonce of a verified credential made at `atMs`; false when it was seen before (a
   * replay), or when the register is full of live nonces (refusing is safe; forgetting is not).
   */
  claim(nonce: string, atMs: number, nowMs: number): boolean {
    this.forgetExpired(nowMs)
    if (this.until.has(nonce) || this.until.size >= this.capacity) return false
    this.until.set(nonce, atMs + this.windowMs)
    return true
  }

  get size(): number {
    return this.until.size
  }

  private forgetExpired(nowMs: number): void {
    for (const [nonce, until] of this.until) {
      // Entries arrive roughly in time order; one still live ends the sweep (others expire on a later claim).
      if (until >= nowMs) break
      this.until.delete(nonce)
    }
  }
}
