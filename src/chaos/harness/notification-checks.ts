/**
 * The notification check: every notification the workload's acknowledged changes owed someone
 * (an invitation for each invitee of a committed meeting, a cancellation for each invitee of a
 * cancelled one) reached that person's watcher. People whose watcher could not finish its final
 * read are not judged (the run reports them as unread instead).
 */
import type { NotificationKind } from '../../calendar-service/calendar-records.js'
import type { CheckFindings } from './chaos-checks.js'

export interface OwedNotification {
  readonly user: string
  readonly kind: NotificationKind
  readonly meetingId: string
}

export interface ReceivedNotification {
  readonly kind: NotificationKind
  readonly meetingId: string
}

export function checkNotifications(owed: readonly OwedNotification[], received: ReadonlyMap<string, readonly ReceivedNotification[]>): CheckFindings {
  const problems: string[] = []
  let missedNotifications = 0
  for (const notification of owed) {
    const got = received.get(notification.user)
    if (got === undefined || got.some((entry) => entry.kind === notification.kind && entry.meetingId === notification.meetingId)) continue
    missedNotifications++
    problems.push(`${notification.user} was never notified "${notification.kind}" of meeting ${notification.meetingId}`)
  }
  return { missedNotifications, problems }
}
