/**
 * Re-importing an iCalendar file must not duplicate its events: an imported event is found again
 * by its UID (+ RECURRENCE-ID), and the file's copy replaces the stored one unless it is older or
 * the same. Pure decisions, applied by calendar-apply.
 */
import { isDeepStrictEqual } from 'node:util'
import type { IcalIdentity } from '../ical/import-identity.js'
import type { EventSpec, ImportOutcome } from './calendar-command.js'
import type { StoredEvent } from './calendar-records.js'

/** The part of the index key that names one imported event of a person (a UID may hold any character). */
export function importedUidKey(origin: IcalIdentity): string {
  const uid = encodeURIComponent(origin.uid)
  return origin.recurrenceId === null ? uid : `${uid}/${encodeURIComponent(origin.recurrenceId)}`
}

/**
 * What importing `spec` does to the event stored by an earlier import: a newer revision
 * (SEQUENCE, then LAST-MODIFIED) updates it, an older one leaves it; at the same revision a
 * different content updates it (the file is what the user asked to mirror) and the same is kept.
 */
export function reimportOutcome(stored: StoredEvent, origin: IcalIdentity, spec: EventSpec): Exclude<ImportOutcome, 'added'> {
  const order = compareRevisions(origin, stored.origin ?? null)
  if (order > 0) return 'updated'
  if (order < 0) return 'older'
  return sameContent(stored, spec) ? 'unchanged' : 'updated'
}

function compareRevisions(incoming: IcalIdentity, stored: IcalIdentity | null): number {
  if (stored === null) return 1
  if (incoming.sequence !== stored.sequence) return incoming.sequence - stored.sequence
  return (incoming.lastModifiedMs ?? -1) - (stored.lastModifiedMs ?? -1)
}

/** Compared as plain data (records come back from msgpack without the undefined fields a request may carry). */
function sameContent(stored: StoredEvent, spec: EventSpec): boolean {
  return isDeepStrictEqual(plain(contentOf(stored.event)), plain(contentOf(spec)))
}

function contentOf({ title, zone, timing, transparency, recurrence }: EventSpec): EventSpec {
  return { title, zone, timing, transparency, recurrence }
}

function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value))
}
