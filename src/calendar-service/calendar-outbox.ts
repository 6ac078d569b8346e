/**
 * The replicated outbox: each person's notifications under increasing sequence numbers, written
 * in the same apply as the change they announce, so a change and its notice commit together.
 */
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import type { CalendarApplyContext } from './calendar-apply-context.js'
import { calendarKeys, notificationCodec, seqCodec } from './calendar-keyspace.js'
import type { NotificationKind, NotificationRecord } from './calendar-records.js'
import { lastNotificationSeq } from './calendar-store.js'

export interface NotificationDraft {
  readonly kind: NotificationKind
  readonly meetingId: string
  readonly by: string
  readonly message: string
  readonly occurrenceStartMs?: number
}

export async function notify(tx: KeyspaceTransaction, ctx: CalendarApplyContext, users: Iterable<string>, draft: NotificationDraft): Promise<string[]> {
  const notified: string[] = []
  for (const user of users) {
    const seq = (await lastNotificationSeq(tx, user)) + 1
    const record: NotificationRecord = {
      seq,
      user,
      kind: draft.kind,
      meetingId: draft.meetingId,
      by: draft.by,
      atMs: ctx.atMs,
      message: draft.message,
      occurrenceStartMs: draft.occurrenceStartMs ?? null,
    }
    tx.put(calendarKeys.notification(user, seq), notificationCodec.encode(record))
    tx.put(calendarKeys.lastSeq(user), seqCodec.encode(seq))
    ctx.notifiedUsers.add(user)
    notified.push(user)
  }
  return notified
}
