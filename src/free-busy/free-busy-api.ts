/**
 * The free/busy methods that span offices: availability of people in any office (answered by the
 * office the client calls, fanning out to the others), the change stream another office's cache
 * follows, and the cache's counters. Parameters are checked here, at the boundary.
 */
import { z } from 'zod'
import { maxStalenessMs, personId, windowFields, withinQueryBudget, type FreeBusyUser } from '../calendar-service/calendar-api.js'
import type { FreeBusyCacheStats } from './free-busy-cache.js'

export const FREE_BUSY_PARAM_SCHEMAS = {
  'calendar.availability': z.strictObject({
    users: z.array(personId).min(1).max(500),
    ...windowFields,
    maxStalenessMs: maxStalenessMs.optional(),
  }).superRefine(withinQueryBudget((p) => p.users.length)),
  'calendar.changes': z.strictObject({
    /** Report people whose free/busy changed after this applied index. */
    after: z.int({ error: 'expected an applied index (integer)' }).min(0),
    /** How long to wait when nothing changed yet; 0 answers at once. */
    waitMs: z.int().min(0).max(60_000),
  }),
  'calendar.freeBusyStats': z.strictObject({}),
} as const

type Params<K extends keyof typeof FREE_BUSY_PARAM_SCHEMAS> = z.input<(typeof FREE_BUSY_PARAM_SCHEMAS)[K]>

/** Where one office's part of an answer came from. */
export interface FreeBusySource {
  readonly office: string
  readonly users: number
  /** `local`: this office's own state; `cache`: no message sent; `remote`: one call to that office. */
  readonly from: 'local' | 'cache' | 'remote'
}

export interface AvailabilityResult {
  readonly users: readonly FreeBusyUser[]
  readonly sources: readonly FreeBusySource[]
  /** Calls to other offices this query made (locating people included). */
  readonly rpcs: number
}

export interface ChangesResult {
  readonly appliedIndex: number
  /** People whose free/busy changed after `after`; null when this replica cannot tell (drop everything). */
  readonly users: readonly string[] | null
  /** How long the replica waited for a change after its read barrier; 0 when it does not lead. */
  readonly waitedMs: number
}

export interface FreeBusyStats {
  readonly office: string
  readonly cache: FreeBusyCacheStats
  /** Queries that needed people of other offices, and the calls to other offices they made. */
  readonly fanOuts: number
  readonly rpcs: number
  /** Per office followed: how long ago its change stream last confirmed it. */
  readonly feeds: ReadonlyArray<{ readonly office: string; readonly confirmedAgoMs: number | null }>
}

export type FreeBusyMethods = {
  readonly 'calendar.availability': { readonly params: Params<'calendar.availability'>; readonly result: AvailabilityResult }
  readonly 'calendar.changes': { readonly params: Params<'calendar.changes'>; readonly result: ChangesResult }
  readonly 'calendar.freeBusyStats': { readonly params: Params<'calendar.freeBusyStats'>; readonly result: FreeBusyStats }
}
