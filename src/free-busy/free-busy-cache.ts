/**
 * Free/busy of other offices' people, remembered per office so that repeated availability queries
 * cost no cross-office traffic. Each answer is kept with the remote office's applied index it was
 * read at; the office's change stream (`calendar.changes`) tells which people changed up to which
 * index, and drops their answers. Freshness is explicit: an answer is as fresh as the later of the
 * time it was asked for and the last time the change stream confirmed the office (nothing changed
 * for this person as of then), and a lookup names the staleness it accepts.
 */
import type { FreeBusyUser } from '../calendar-service/calendar-api.js'

export interface CachedAnswer {
  readonly answer: FreeBusyUser
  /** The remote office's applied index when it read the answer (before reading). */
  readonly readAtIndex: number
  /** Local time the request was sent: the answer reflects the office at least as of then. */
  readonly askedAtMs: number
}

/** What the change stream learned: people changed up to `appliedIndex` (null: cannot tell, drop all). */
export interface OfficeChanges {
  readonly appliedIndex: number
  readonly users: readonly string[] | null
  /** Local time as of which the office is known to have had no other change. */
  readonly freshAsOfMs: number
}

export interface FreeBusyCacheStats {
  readonly hits: number
  readonly misses: number
  readonly hitRate: number
  readonly entries: number
  readonly invalidated: number
  readonly resets: number
}

interface OfficeState {
  readonly answers: Map<string, Map<string, CachedAnswer>>
  /** Per person, the index up to which a change is known: older answers are refused. */
  readonly changedAt: Map<string, number>
  /** Answers read below this index are refused (after a reset). */
  floor: number
  confirmedAtMs: number
}

const MAX_ENTRIES = 100_000

export class FreeBusyCache {
  private readonly offices = new Map<string, OfficeState>()
  private entries = 0
  private hits = 0
  private misses = 0
  private invalidated = 0
  private resets = 0

  constructor(private readonly now: () => number) {}

  /** The cached answer for `user` over `windowKey` if it is at most `maxStalenessMs` old; counts a hit or a miss. */
  lookup(office: string, user: string, windowKey: string, maxStalenessMs: number): FreeBusyUser | null {
    const state = this.offices.get(office)
    const cached = state?.answers.get(user)?.get(windowKey)
    const now = this.now()
    const fresh =
      state !== undefined &&
      cached !== undefined &&
      now - Math.max(cached.askedAtMs, state.confirmedAtMs) <= maxStalenessMs &&
      (cached.answer.validUntilMs === null || cached.answer.validUntilMs > now)
    if (fresh) this.hits++
    else this.misses++
    return fresh ? cached.answer : null
  }

  /** Remembers an answer unless the change stream already reported a newer change for the person. */
  store(office: string, windowKey: string, cached: CachedAnswer): boolean {
    const state = this.stateOf(office)
    const user = cached.answer.id
    if (cached.readAtIndex < state.floor || cached.readAtIndex < (state.changedAt.get(user) ?? 0)) return false
    if (this.entries >= MAX_ENTRIES) this.clear()
    const windows = state.answers.get(user) ?? new Map<string, CachedAnswer>()
    state.answers.set(user, windows)
    if (!windows.has(windowKey)) this.entries++
    windows.set(windowKey, cached)
    return true
  }

  /** Applies what the office's change stream said. */
  applyChanges(office: string, changes: OfficeChanges): void {
    const state = this.stateOf(office)
    if (changes.users === null) {
      this.resets++
      this.entries -= countAnswers(state)
      state.answers.clear()
      state.changedAt.clear()
      state.floor = Math.max(state.floor, changes.appliedIndex)
    } else {
      for (const user of changes.users) {
        state.changedAt.set(user, Math.max(state.changedAt.get(user) ?? 0, changes.appliedIndex))
        const windows = state.answers.get(user)
        if (windows === undefined) continue
        for (const [key, cached] of windows) {
          if (cached.readAtIndex >= changes.appliedIndex) continue
          windows.delete(key)
          this.entries--
          this.invalidated++
        }
        if (windows.size === 0) state.answers.delete(user)
      }
      // Past the bound, one floor stands for every person's change index (older answers refused).
      if (state.changedAt.size > MAX_ENTRIES) {
        state.changedAt.clear()
        state.floor = Math.max(state.floor, changes.appliedIndex)
      }
    }
    state.confirmedAtMs = Math.max(state.confirmedAtMs, changes.freshAsOfMs)
  }

  stats(): FreeBusyCacheStats {
    const asked = this.hits + this.misses
    return { hits: this.hits, misses: this.misses, hitRate: asked === 0 ? 0 : this.hits / asked, entries: this.entries, invalidated: this.invalidated, resets: this.resets }
  }

  private clear(): void {
    for (const state of this.offices.values()) state.answers.clear()
    this.entries = 0
  }

  private stateOf(office: string): OfficeState {
    let state = this.offices.get(office)
    if (state === undefined) {
      state = { answers: new Map(), changedAt: new Map(), floor: 0, confirmedAtMs: Number.NEGATIVE_INFINITY }
      this.offices.set(office, state)
    }
    return state
  }
}

function countAnswers(state: OfficeState): number {
  let n = 0
  for (const windows of state.answers.values()) n += windows.size
  return n
}
