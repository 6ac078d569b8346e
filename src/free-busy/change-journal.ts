/**
 * Which people's free/busy changed since a given applied index, on one replica: the answer behind
 * `calendar.changes`, the change stream other offices' free/busy caches follow. The state machine
 * reports every committed batch's keys; the journal keeps the people they touch for the last
 * `capacity` batches, so a question about an older index (or one from before this process started,
 * or across a snapshot install) is answered "cannot tell", and the asker drops what it cached.
 */
const CALENDAR_PREFIXES = ['cal/user/', 'cal/event/', 'cal/span/', 'cal/hold/'] as const

export type ChangesSince =
  | { readonly kind: 'changes'; readonly appliedIndex: number; readonly users: readonly string[] }
  | { readonly kind: 'unknown'; readonly appliedIndex: number }

interface JournalEntry {
  readonly index: number
  readonly users: ReadonlySet<string>
}

export class ChangeJournal {
  private readonly entries: JournalEntry[] = []
  /** Changes at or below this index are not known. */
  private floor: number
  private applied: number
  private readonly waiting = new Set<() => void>()

  constructor(
    appliedIndex: number,
    private readonly capacity = 10_000,
  ) {
    this.floor = appliedIndex
    this.applied = appliedIndex
  }

  /** A batch up to `index` was committed with these keys. */
  recordBatch(keys: Iterable<string>, index: number): void {
    const users = usersOfKeys(keys)
    this.applied = Math.max(this.applied, index)
    if (users.size === 0) return
    this.entries.push({ index, users })
    if (this.entries.length > this.capacity) this.floor = this.entries.shift()!.index
    for (const wake of [...this.waiting]) wake()
  }

  /** A snapshot replaced the state: nothing before it is known any more. */
  reset(index: number): void {
    this.entries.length = 0
    this.floor = index
    this.applied = index
    for (const wake of [...this.waiting]) wake()
  }

  changedSince(after: number): ChangesSince {
    if (after < this.floor) return { kind: 'unknown', appliedIndex: this.applied }
    const users = new Set<string>()
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const entry = this.entries[i]!
      if (entry.index <= after) break
      for (const user of entry.users) users.add(user)
    }
    return { kind: 'changes', appliedIndex: this.applied, users: [...users].sort() }
  }

  /** Resolves at the next recorded change, after `ms`, or on abort. */
  async nextChange(ms: number, signal: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer)
        signal.removeEventListener('abort', finish)
        this.waiting.delete(finish)
        resolve()
      }
      const timer = setTimeout(finish, ms)
      signal.addEventListener('abort', finish, { once: true })
      this.waiting.add(finish)
    })
  }
}

/** The people whose events, time index, holds or record a batch wrote. */
export function usersOfKeys(keys: Iterable<string>): Set<string> {
  const users = new Set<string>()
  for (const key of keys) {
    const prefix = CALENDAR_PREFIXES.find((p) => key.startsWith(p))
    if (prefix === undefined) continue
    const rest = key.slice(prefix.length)
    const slash = rest.indexOf('/')
    users.add(slash < 0 ? rest : rest.slice(0, slash))
  }
  return users
}
