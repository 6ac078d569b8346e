/**
 * Seed 12 of the long campaign reported three "invited" notifications missed by lon people's
 * watchers. That run never quiesced (a replica was left stopped), so the watchers never made
 * their final read, yet the check judged what their last polls had received: an invitation written
 * after a watcher's last poll counted as missed. Only people whose final read completed are
 * judged; without it nobody is (the run fails as not quiesced instead). The check still bites: a
 * notification that never reached the store is missed after the final read.
 */
import t from 'tap'
import type { NotificationRecord } from '../../../src/calendar-service/calendar-records.js'
import { checkNotifications, type OwedNotification } from '../../../src/chaos/harness/notification-checks.js'
import { NotificationWatchers, type NotificationCaller } from '../../../src/chaos/harness/notification-watchers.js'

/** One office's notification store: each person's notifications in sequence order; polls take 5 ms. */
function notificationStore() {
  const stored = new Map<string, NotificationRecord[]>()
  let seq = 0
  const caller: NotificationCaller = {
    call: (async (_method: string, params: { user: string; after: number }) => {
      await new Promise((resolve) => setTimeout(resolve, 5))
      const notifications = (stored.get(params.user) ?? []).filter((notification) => notification.seq > params.after)
      return { user: params.user, notifications, last: notifications.at(-1)?.seq ?? params.after }
    }) as NotificationCaller['call'],
  }
  const invite = (user: string, meetingId: string) => {
    const record: NotificationRecord = { seq: ++seq, user, kind: 'invited', meetingId, by: 'nyc-org', atMs: 0, message: '', occurrenceStartMs: null }
    stored.set(user, [...(stored.get(user) ?? []), record])
  }
  return { caller, invite }
}

t.test('watchers are judged only on what their final read completed', async (t) => {
  const store = notificationStore()
  const watchers = new NotificationWatchers(
    ['lon-x0', 'lon-x2', 'lon-x3'].map((person) => ({ person, office: 'lon' })),
    () => store.caller,
  )
  const owed: OwedNotification[] = [
    { user: 'lon-x0', kind: 'invited', meetingId: 'mtg-nyc-1' },
    { user: 'lon-x2', kind: 'invited', meetingId: 'mtg-nyc-2' },
  ]
  store.invite('lon-x0', 'mtg-nyc-1')
  watchers.start()
  // Several rounds of polls (5 ms each) for every watcher.
  await new Promise((resolve) => setTimeout(resolve, 100))
  await watchers.stop()
  // Written after the watchers' last polls, as at the end of a run.
  store.invite('lon-x2', 'mtg-nyc-2')

  t.same(checkNotifications(owed, watchers.receivedByPerson()), { missedNotifications: 0, problems: [] }, 'before the final read nobody is judged')
  t.same(watchers.unreadPeople(), ['lon-x0', 'lon-x2', 'lon-x3'], 'everyone is unread: the run cannot pass')

  await watchers.drain(1000)
  t.same(watchers.unreadPeople(), [])
  t.same(checkNotifications(owed, watchers.receivedByPerson()), { missedNotifications: 0, problems: [] }, 'the final read found the late invitation')

  const lost: OwedNotification = { user: 'lon-x3', kind: 'invited', meetingId: 'mtg-nyc-3' }
  t.same(
    checkNotifications([...owed, lost], watchers.receivedByPerson()),
    { missedNotifications: 1, problems: ['lon-x3 was never notified "invited" of meeting mtg-nyc-3'] },
    'a person who received nothing at all is judged too',
  )
})
