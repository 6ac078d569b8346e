/**
 * Where the calendar lives in an office's state-machine keyspace, and how its records are encoded.
 * Every key starts with "cal/"; per-person data sits under the person's id so one prefix read
 * returns one person's events, spans, holds or notifications.
 *
 *   cal/user/<user>                 UserRecord
 *   cal/event/<user>/<event>        StoredEvent
 *   cal/span/<user>/<event>         EventSpan (the time index: first start, last end or open)
 *   cal/meeting/<meeting>           MeetingRecord
 *   cal/hold/<user>/<hold>          HoldRecord (2PC tentative locks)
 *   cal/outbox/<user>/<seq>         NotificationRecord, seq fixed-width so keys sort in order
 *   cal/outseq/<user>               last notification seq of the person
 *   cal/ical/<user>/<uid key>       event id an iCalendar UID (+ RECURRENCE-ID) was imported as
 */
import { recordCodec as codec } from '../office/record-codec.js'
import type { EventSpan, HoldRecord, MeetingRecord, NotificationRecord, StoredEvent, UserRecord } from './calendar-records.js'

const SEQ_WIDTH = 12

export const calendarKeys = {
  user: (user: string) => `cal/user/${user}`,
  users: () => 'cal/user/',
  event: (user: string, event: string) => `cal/event/${user}/${event}`,
  events: (user: string) => `cal/event/${user}/`,
  span: (user: string, event: string) => `cal/span/${user}/${event}`,
  spans: (user: string) => `cal/span/${user}/`,
  meeting: (meeting: string) => `cal/meeting/${meeting}`,
  hold: (user: string, hold: string) => `cal/hold/${user}/${hold}`,
  holds: (user: string) => `cal/hold/${user}/`,
  notification: (user: string, seq: number) => `cal/outbox/${user}/${String(seq).padStart(SEQ_WIDTH, '0')}`,
  notifications: (user: string) => `cal/outbox/${user}/`,
  lastSeq: (user: string) => `cal/outseq/${user}`,
  importedUid: (user: string, uidKey: string) => `cal/ical/${user}/${uidKey}`,
  importedUids: (user: string) => `cal/ical/${user}/`,
} as const

/** The prefixes of one person's own records (besides cal/user and cal/outseq): what leaves with them when they move. */
export function personPrefixes(user: string): string[] {
  return [calendarKeys.events(user), calendarKeys.spans(user), calendarKeys.notifications(user), calendarKeys.importedUids(user)]
}

/** The part of a key after its prefix: the event id of an event key, and so on. */
export function keySuffix(key: string, prefix: string): string {
  return key.slice(prefix.length)
}


export const userCodec = codec<UserRecord>()
export const eventCodec = codec<StoredEvent>()
export const spanCodec = codec<EventSpan>()
export const meetingCodec = codec<MeetingRecord>()
export const holdCodec = codec<HoldRecord>()
export const notificationCodec = codec<NotificationRecord>()
export const seqCodec = codec<number>()
export const eventIdCodec = codec<string>()
