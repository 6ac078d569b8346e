import { toFloatingMs } from '../calendar/time/local-date-time.js'
import type { IcsComponent } from './ics-document.js'
import { propertyError, rawValue, readDateValue, readText, singleProperty } from './ics-values.js'

/**
 * What makes an imported event the same one at the next import of a file: its UID (and, for an
 * occurrence imported without its series, the RECURRENCE-ID), and how new this copy of it is.
 * RFC 5545 has the organizer raise SEQUENCE on significant changes and LAST-MODIFIED on any.
 */
export interface IcalIdentity {
  /** The UID exactly as the file has it. */
  readonly uid: string
  /** The RECURRENCE-ID as written (with its TZID) of an occurrence imported on its own; null for a whole event. */
  readonly recurrenceId: string | null
  /** The highest SEQUENCE of the event and its overrides (0 when none is given). */
  readonly sequence: number
  /** The latest LAST-MODIFIED of the event and its overrides, epoch ms; null when none is given. */
  readonly lastModifiedMs: number | null
}

const MAX_SEQUENCE = 2_147_483_647

/** The identity of a series or single event read from `components` (the VEVENT and its overrides); null without a UID. */
export function identityOf(components: readonly IcsComponent[], recurrenceIdOf: IcsComponent | null): IcalIdentity | null {
  const first = components[0]
  const uidProperty = first === undefined ? null : singleProperty(first, 'UID')
  const uid = uidProperty === null ? '' : readText(uidProperty).trim()
  if (uid.length === 0) return null
  const rid = recurrenceIdOf === null ? null : singleProperty(recurrenceIdOf, 'RECURRENCE-ID')
  let sequence = 0
  let lastModifiedMs: number | null = null
  for (const component of components) {
    sequence = Math.max(sequence, sequenceOf(component))
    const modified = lastModifiedOf(component)
    if (modified !== null && (lastModifiedMs === null || modified > lastModifiedMs)) lastModifiedMs = modified
  }
  const tzid = rid?.property.getParameter('tzid')
  return {
    uid,
    recurrenceId: rid === null ? null : `${typeof tzid === 'string' ? `TZID=${tzid}:` : ''}${rawValue(rid)}`,
    sequence,
    lastModifiedMs,
  }
}

function sequenceOf(component: IcsComponent): number {
  const p = singleProperty(component, 'SEQUENCE')
  if (p === null) return 0
  const value = Number(rawValue(p))
  if (!Number.isInteger(value) || value < 0 || value > MAX_SEQUENCE) throw propertyError(p, `expected a whole number 0..${MAX_SEQUENCE}`)
  return value
}

/** LAST-MODIFIED must be UTC; a time without Z is read as UTC too (what such writers mean). */
function lastModifiedOf(component: IcsComponent): number | null {
  const p = singleProperty(component, 'LAST-MODIFIED')
  if (p === null) return null
  const value = readDateValue(p)
  if (value.kind === 'date') throw propertyError(p, 'expected a date-time such as 20260215T120000Z')
  return toFloatingMs(value.local)
}
