/**
 * The client-facing methods of an office replica: names, parameter schemas and result types,
 * shared by the server (which validates params with the schemas) and the typed client.
 */
import { z } from 'zod'
import { kvCasParams, kvDeleteParams, kvGetParams, kvPutParams, kvRangeParams, type KvResult } from '../kv/kv-command.js'
import type { KvRangeResult } from '../kv/kv-read.js'
import { CALENDAR_PARAM_SCHEMAS, type CalendarMethods } from '../calendar-service/calendar-api.js'
import type { CrossOfficeMethods } from '../cross-office/xoffice-api.js'
import { FREE_BUSY_PARAM_SCHEMAS, type FreeBusyMethods } from '../free-busy/free-busy-api.js'
import type { DirectoryMethods } from '../directory/directory-api.js'

export interface ReplicaStatus {
  readonly id: string
  readonly office: string
  readonly role: 'follower' | 'preCandidate' | 'candidate' | 'leader'
  readonly term: number
  readonly leader: string | null
  readonly commitIndex: number
  readonly appliedIndex: number
  readonly firstIndex: number
  readonly lastIndex: number
  readonly voters: readonly string[]
  readonly learners: readonly string[]
  readonly uptimeMs: number
  /** IANA time zone database version this replica's ICU uses. */
  readonly tzdb: string
  /** Where each current member serves clients, as this replica knows (other offices learn routes from it). */
  readonly members: ReadonlyArray<{ readonly id: string; readonly clientUrl: string }>
}

export const membershipParams = z.strictObject({
  change: z.enum(['addLearner', 'addVoter', 'promoteLearner', 'removeNode']),
  node: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/, { error: 'expected a replica id' }),
  /** Where the new replica listens; required when adding one. */
  address: z.strictObject({ host: z.string().min(1).max(253), port: z.int().min(1).max(65535) }).optional(),
})

export const transferParams = z.strictObject({ to: z.string().min(1).max(64) })

export const OFFICE_PARAM_SCHEMAS = {
  'kv.put': kvPutParams,
  'kv.delete': kvDeleteParams,
  'kv.cas': kvCasParams,
  'kv.get': kvGetParams,
  'kv.range': kvRangeParams,
  'replica.status': z.strictObject({}),
  'replica.membership': membershipParams,
  'replica.transferLeadership': transferParams,
  ...CALENDAR_PARAM_SCHEMAS,
  ...FREE_BUSY_PARAM_SCHEMAS,
} as const

type Params<K extends keyof typeof OFFICE_PARAM_SCHEMAS> = z.input<(typeof OFFICE_PARAM_SCHEMAS)[K]>

export type OfficeMethods = CalendarMethods & CrossOfficeMethods & FreeBusyMethods & DirectoryMethods & {
  readonly 'kv.put': { readonly params: Params<'kv.put'>; readonly result: KvResult }
  readonly 'kv.delete': { readonly params: Params<'kv.delete'>; readonly result: KvResult }
  readonly 'kv.cas': { readonly params: Params<'kv.cas'>; readonly result: KvResult }
  readonly 'kv.get': { readonly params: Params<'kv.get'>; readonly result: KvResult }
  readonly 'kv.range': { readonly params: Params<'kv.range'>; readonly result: KvRangeResult }
  readonly 'replica.status': { readonly params: Params<'replica.status'>; readonly result: ReplicaStatus }
  readonly 'replica.membership': { readonly params: Params<'replica.membership'>; readonly result: { readonly index: number } }
  readonly 'replica.transferLeadership': { readonly params: Params<'replica.transferLeadership'>; readonly result: { readonly ok: true } }
}
