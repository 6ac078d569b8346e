/**
 * The directory's RPC methods on every replica: lookups for clients and other offices, the
 * messages offices exchange (published entries, a moved person's records), and the operator's
 * commands (add an office, move a person). Peers' messages are checked like any client's.
 */
import { z } from 'zod'
import { personId } from '../calendar-service/calendar-api.js'
import { calendarKeys, personPrefixes } from '../calendar-service/calendar-keyspace.js'
import { officeSchema, type OfficeConfig } from '../config/cluster-config-schema.js'
import type { UserMove } from './directory-command.js'

const officeId = z.string({ error: 'expected an office id' }).regex(/^[a-z][a-z0-9]{0,15}$/, { error: 'expected an office id: 1-16 lowercase letters or digits' })
const moveId = z.string().regex(/^move-[a-z][a-z0-9]{0,15}-\d+$/, { error: 'expected a move id such as "move-nyc-42"' })
const epoch = z.int({ error: 'expected an epoch (integer)' }).min(1)

const entry = z.strictObject({ user: personId, office: officeId, epoch })

const records = z
  .array(z.tuple([z.string().max(400), z.custom<Uint8Array>((value) => value instanceof Uint8Array, { error: 'expected bytes' })]))
  .max(200_000)

export const DIRECTORY_PARAM_SCHEMAS = {
  'directory.lookup': z.strictObject({ users: z.array(personId).min(1).max(1000), stale: z.boolean().optional() }),
  'directory.offices': z.strictObject({}),
  'directory.learn': z.strictObject({ from: officeId, entries: z.array(entry).max(10_000) }),
  'directory.addOffice': z.strictObject({ office: officeSchema }),
  'directory.moveUser': z.strictObject({ user: personId, to: officeId }),
  'directory.move': z.strictObject({ id: moveId }),
  'directory.import': z
    .strictObject({ moveId, from: officeId, user: personId, epoch, records })
    .refine((p) => p.records.every(([key]) => belongsTo(key, p.user)), { error: "records: every key must be one of the moved person's calendar keys or a meeting record", path: ['records'] }),
} as const

/** Only the person's own calendar keys, and records of meetings, may travel with a move. */
function belongsTo(key: string, user: string): boolean {
  if (key === calendarKeys.user(user) || key === calendarKeys.lastSeq(user)) return true
  if (key.startsWith(calendarKeys.meeting('')) && key.length > calendarKeys.meeting('').length) return true
  return personPrefixes(user).some((prefix) => key.startsWith(prefix) && key.length > prefix.length)
}

type Params<K extends keyof typeof DIRECTORY_PARAM_SCHEMAS> = z.input<(typeof DIRECTORY_PARAM_SCHEMAS)[K]>

export interface UserLocation {
  readonly id: string
  /** null: no office has this person (as far as this office's directory knows). */
  readonly office: string | null
  readonly epoch: number
  /** The office the person is moving to while their records are in flight. */
  readonly movingTo: string | null
  /**
   * Set where this office's person is a flagged duplicate: another office added the same id at
   * the same time and won it (every other office places the id there).
   */
  readonly duplicateOf: string | null
}

/** A move as reported to the operator (the records themselves stay inside the office). */
export interface MoveView {
  readonly id: string
  readonly user: string
  readonly from: string
  readonly to: string
  readonly status: 'moving' | 'moved' | 'aborted'
  readonly reason: string | null
}

export function moveView(move: UserMove): MoveView {
  const status = move.state.kind === 'exporting' ? 'moving' : move.state.kind
  return { id: move.id, user: move.user, from: move.from, to: move.to, status, reason: move.state.kind === 'aborted' ? move.state.reason : null }
}

export type DirectoryMethods = {
  readonly 'directory.lookup': { readonly params: Params<'directory.lookup'>; readonly result: { readonly office: string; readonly users: readonly UserLocation[] } }
  readonly 'directory.offices': { readonly params: Params<'directory.offices'>; readonly result: { readonly offices: readonly OfficeConfig[] } }
  readonly 'directory.learn': { readonly params: Params<'directory.learn'>; readonly result: { readonly applied: number } }
  readonly 'directory.addOffice': { readonly params: Params<'directory.addOffice'>; readonly result: { readonly office: string } }
  readonly 'directory.moveUser': { readonly params: Params<'directory.moveUser'>; readonly result: MoveView }
  readonly 'directory.move': { readonly params: Params<'directory.move'>; readonly result: MoveView }
  readonly 'directory.import': { readonly params: Params<'directory.import'>; readonly result: { readonly imported: true } | { readonly imported: false; readonly reason: string } }
}
