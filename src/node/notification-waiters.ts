/**
 * Long polls waiting for a person's next notification: woken when an applied batch wrote to that
 * person's outbox, or when their wait runs out or their client goes away.
 */
export class NotificationWaiters {
  private readonly waiting = new Map<string, Set<() => void>>()

  /**
   * Resolves at the next wake for `user`, after `ms`, or on abort, whichever comes first. Register
   * before reading the outbox, so an entry applied between the read and the wait still wakes it.
   */
  arm(user: string, ms: number, signal: AbortSignal): { readonly woken: Promise<void>; cancel(): void } {
    let done: () => void = () => {}
    const woken = new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ms)
      const set = this.waiting.get(user) ?? new Set()
      this.waiting.set(user, set)
      function finish(): void {
        clearTimeout(timer)
        signal.removeEventListener('abort', finish)
        set.delete(finish)
        resolve()
      }
      set.add(finish)
      signal.addEventListener('abort', finish, { once: true })
      done = finish
    })
    return {
      woken,
      cancel: () => {
        done()
        if (this.waiting.get(user)?.size === 0) this.waiting.delete(user)
      },
    }
  }

  wake(users: ReadonlySet<string>): void {
    for (const user of users) {
      const set = this.waiting.get(user)
      if (set === undefined) continue
      this.waiting.delete(user)
      for (const finish of [...set]) finish()
    }
  }
}
