/**
 * One watcher per person: a loop of long polls (`notifications.poll`) on the person's office that
 * records every notification received, through whatever faults. Notifications are kept in the
 * replicated store, so a poll that fails is simply repeated from the last sequence number seen;
 * after quiescence `drain` reads whatever is left, so the record is what the system delivered.
 * Only a person whose final read completed has a complete record: nobody else is judged (a run
 * that never quiesced never drains, and its watchers' last polls miss what came after them).
 */
import type { ClusterClient } from '../../client/cluster-client.js'
import type { OfficeMethods } from '../../office/office-api.js'
import type { ReceivedNotification } from './notification-checks.js'

export type NotificationCaller = Pick<ClusterClient<OfficeMethods>, 'call'>

export interface WatchedPerson {
  readonly person: string
  readonly office: string
}

/** Shorter than the chaos clients' attempt timeout, so an idle poll is never taken for a lost one. */
const POLL_WAIT_MS = 500
const RETRY_PAUSE_MS = 200
const DRAIN_ATTEMPTS = 10

export class NotificationWatchers {
  private readonly received = new Map<string, ReceivedNotification[]>()
  private readonly last = new Map<string, number>()
  /** People whose final read reached the end of their notifications. */
  private readonly drained = new Set<string>()
  private loops: Array<Promise<void>> = []
  private running = false

  constructor(
    private readonly people: readonly WatchedPerson[],
    private readonly clientFor: (office: string) => NotificationCaller,
  ) {}

  start(): void {
    this.running = true
    this.loops = this.people.map((watched) => this.watch(watched))
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }

  /** After quiescence: reads each person's remaining notifications to the end, each poll bounded by `timeoutMs`. */
  async drain(timeoutMs: number): Promise<void> {
    for (const watched of this.people) {
      let done = false
      for (let attempt = 0; attempt < DRAIN_ATTEMPTS && !done; attempt++) {
        try {
          done = (await this.pollOnce(watched, 0, timeoutMs)) === 0
        } catch {
          await pause(RETRY_PAUSE_MS)
        }
      }
      if (done) this.drained.add(watched.person)
    }
  }

  /** What each person received, for the people whose final read completed (none before `drain`). */
  receivedByPerson(): ReadonlyMap<string, readonly ReceivedNotification[]> {
    return new Map(this.people.filter((watched) => this.drained.has(watched.person)).map((watched) => [watched.person, this.received.get(watched.person) ?? []]))
  }

  /** People whose final read did not complete, or never ran. */
  unreadPeople(): readonly string[] {
    return this.people.filter((watched) => !this.drained.has(watched.person)).map((watched) => watched.person)
  }

  private async watch(watched: WatchedPerson): Promise<void> {
    while (this.running) {
      try {
        await this.pollOnce(watched, POLL_WAIT_MS)
      } catch {
        await pause(RETRY_PAUSE_MS)
      }
    }
  }

  /** One poll; returns how many notifications it brought. */
  private async pollOnce(watched: WatchedPerson, waitMs: number, timeoutMs?: number): Promise<number> {
    const client = this.clientFor(watched.office)
    const after = this.last.get(watched.person) ?? 0
    const result = await client.call('notifications.poll', { user: watched.person, after, waitMs }, timeoutMs === undefined ? {} : { timeoutMs })
    const list = this.received.get(watched.person) ?? []
    for (const notification of result.notifications) list.push({ kind: notification.kind, meetingId: notification.meetingId })
    this.received.set(watched.person, list)
    this.last.set(watched.person, result.last)
    return result.notifications.length
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
