/** Typed reads of the calendar keyspace, from the committed store or from an apply batch. */
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import {
  calendarKeys,
  eventCodec,
  holdCodec,
  keySuffix,
  meetingCodec,
  notificationCodec,
  seqCodec,
  spanCodec,
  userCodec,
} from './calendar-keyspace.js'
import type { EventSpan, HoldRecord, MeetingRecord, NotificationRecord, StoredEvent, UserRecord } from './calendar-records.js'

export async function readUser(reader: KeyspaceReader, id: string): Promise<UserRecord | null> {
  const bytes = await reader.get(calendarKeys.user(id))
  return bytes === undefined ? null : userCodec.decode(bytes)
}

export async function listUsers(reader: KeyspaceReader): Promise<UserRecord[]> {
  return (await reader.range({ prefix: calendarKeys.users() })).map(([, bytes]) => userCodec.decode(bytes))
}

export async function readEvent(reader: KeyspaceReader, user: string, eventId: string): Promise<StoredEvent | null> {
  const bytes = await reader.get(calendarKeys.event(user, eventId))
  return bytes === undefined ? null : eventCodec.decode(bytes)
}

export async function listEvents(reader: KeyspaceReader, user: string): Promise<StoredEvent[]> {
  return (await reader.range({ prefix: calendarKeys.events(user) })).map(([, bytes]) => eventCodec.decode(bytes))
}

/** A reader that can fetch many keys in one storage round trip (the committed store can). */
export interface BulkKeyspaceReader extends KeyspaceReader {
  getMany(keys: readonly string[]): Promise<Array<Uint8Array | undefined>>
}

/**
 * The events of `user` whose span overlaps [startMs, endMs): only these are decoded and expanded.
 * With a bulk reader they are fetched in one round trip instead of one per event.
 */
export async function eventsOverlapping(reader: KeyspaceReader | BulkKeyspaceReader, user: string, startMs: number, endMs: number): Promise<StoredEvent[]> {
  const prefix = calendarKeys.spans(user)
  const candidates = (await reader.range({ prefix }))
    .filter(([, bytes]) => spanOverlaps(spanCodec.decode(bytes), startMs, endMs))
    .map(([key]) => calendarKeys.event(user, keySuffix(key, prefix)))
  const values = 'getMany' in reader ? await reader.getMany(candidates) : await Promise.all(candidates.map((key) => reader.get(key)))
  return values.filter((bytes): bytes is Uint8Array => bytes !== undefined).map((bytes) => eventCodec.decode(bytes))
}

function spanOverlaps(span: EventSpan, startMs: number, endMs: number): boolean {
  return span.startMs < endMs && (span.endMs === null || span.endMs > startMs)
}

export async function readMeeting(reader: KeyspaceReader, id: string): Promise<MeetingRecord | null> {
  const bytes = await reader.get(calendarKeys.meeting(id))
  return bytes === undefined ? null : meetingCodec.decode(bytes)
}

export async function listHolds(reader: KeyspaceReader, user: string): Promise<HoldRecord[]> {
  return (await reader.range({ prefix: calendarKeys.holds(user) })).map(([, bytes]) => holdCodec.decode(bytes))
}

export async function lastNotificationSeq(reader: KeyspaceReader, user: string): Promise<number> {
  const bytes = await reader.get(calendarKeys.lastSeq(user))
  return bytes === undefined ? 0 : seqCodec.decode(bytes)
}

/** Notifications of `user` with seq > after, oldest first, at most `limit`. */
export async function notificationsAfter(reader: KeyspaceReader, user: string, after: number, limit: number): Promise<NotificationRecord[]> {
  const all = await reader.range({ prefix: calendarKeys.notifications(user) })
  const from = calendarKeys.notification(user, after)
  return all
    .filter(([key]) => key > from)
    .slice(0, limit)
    .map(([, bytes]) => notificationCodec.decode(bytes))
}
