/**
 * Follows other offices' change streams for the free/busy cache: one long poll per office
 * (`calendar.changes`), re-issued as soon as it answers, so a change in that office drops the
 * cached answers about its people about one one-way delay later, and each answer also confirms
 * the office ("nothing else changed as of then"), which is what bounds a cached answer's staleness.
 */
import type { FreeBusyCache } from './free-busy-cache.js'
import type { OfficeCaller } from './office-caller.js'

export interface OfficeChangeFeedOptions {
  readonly cache: FreeBusyCache
  readonly office: (officeId: string) => OfficeCaller
  readonly now: () => number
  /** How long one poll waits on the remote replica when nothing changes. */
  readonly waitMs: number
  /** Pause after a failed poll (office down, no leader) before the next. */
  readonly retryMs: number
}

interface Feed {
  after: number
  confirmedAtMs: number | null
}

export class OfficeChangeFeeds {
  private readonly feeds = new Map<string, Feed>()
  private readonly stopping = new AbortController()

  constructor(private readonly options: OfficeChangeFeedOptions) {}

  /** Makes sure `office` is followed, from `readAtIndex` on when it was not yet. */
  follow(office: string, readAtIndex: number): void {
    if (this.feeds.has(office) || this.stopping.signal.aborted) return
    const feed: Feed = { after: readAtIndex, confirmedAtMs: null }
    this.feeds.set(office, feed)
    void this.run(office, feed)
  }

  /** Per office followed, how long ago its stream last confirmed it (null: not yet). */
  status(): Array<{ office: string; confirmedAgoMs: number | null }> {
    const now = this.options.now()
    return [...this.feeds].map(([office, feed]) => ({ office, confirmedAgoMs: feed.confirmedAtMs === null ? null : now - feed.confirmedAtMs }))
  }

  stop(): void {
    this.stopping.abort()
  }

  private async run(office: string, feed: Feed): Promise<void> {
    const { cache, now, waitMs, retryMs } = this.options
    const signal = this.stopping.signal
    while (!signal.aborted) {
      const askedAtMs = now()
      try {
        const answer = await this.options.office(office).call('calendar.changes', { after: feed.after, waitMs }, { timeoutMs: waitMs + 5000 })
        if (signal.aborted) return
        const freshAsOfMs = askedAtMs + answer.waitedMs
        cache.applyChanges(office, { appliedIndex: answer.appliedIndex, users: answer.users, freshAsOfMs })
        feed.after = Math.max(feed.after, answer.appliedIndex)
        feed.confirmedAtMs = freshAsOfMs
      } catch {
        // Cached answers about this office simply age past every staleness bound until it answers again.
        await pause(retryMs, signal)
      }
    }
  }
}

async function pause(ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
    function done(): void {
      clearTimeout(timer)
      signal.removeEventListener('abort', done)
      resolve()
    }
  })
}
