/**
 * The cross-office RPC methods of an office replica: the client's entries (xoffice.book,
 * xoffice.cancel, xoffice.move, on the meeting's office) and the messages office leaders exchange
 * during two-phase commit. Every
 * message is checked here, at the boundary: another office is a peer, not a trusted caller.
 */
import { z } from 'zod'
import { CALENDAR_PARAM_SCHEMAS, personId, priority, type BookingResult, type CancelResult, type ConflictView, type MeetingView } from '../calendar-service/calendar-api.js'
import { makeLocalDateTime } from '../calendar/time/local-date-time.js'
import { requireZone } from '../calendar/time/time-zone.js'
import type { MeetingSpec } from '../calendar-service/calendar-command.js'
import type { CoordinatorTx, FencingRejection, ParticipantTx, PrepareVote, TxIntent, XofficeResult } from './xoffice-command.js'

const txId = z.string({ error: 'expected a transaction id' }).regex(/^(mtg|chg)-[a-z][a-z0-9]{0,15}-\d+$/, { error: 'expected a transaction id such as "mtg-nyc-42" or "chg-nyc-43"' })
const meetingId = z.string({ error: 'expected a meeting id' }).regex(/^mtg-[a-z][a-z0-9]{0,15}-\d+$/, { error: 'expected a meeting id such as "mtg-nyc-42"' })
const officeId = z.string().regex(/^[a-z][a-z0-9]{0,15}$/, { error: 'expected an office id' })
const term = z.int({ error: 'expected a coordinator term (integer)' }).min(1)
const people = z.array(personId).max(200)

const localDateTime = z
  .strictObject({ year: z.int(), month: z.int(), day: z.int(), hour: z.int(), minute: z.int(), second: z.int() })
  .transform((t, ctx) => {
    try {
      return makeLocalDateTime(t, 'meeting.start', JSON.stringify(t))
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message })
      return z.NEVER
    }
  })

const zone = z.string().transform((name, ctx) => {
  try {
    return requireZone(name, 'meeting.zone')
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: (error as Error).message })
    return z.NEVER
  }
})

const meetingSpec: z.ZodType<MeetingSpec> = z.strictObject({
  organizer: personId,
  required: people,
  optional: people,
  title: z.string().max(500),
  zone,
  start: localDateTime,
  durationMinutes: z.int().min(1).max(527_040),
  lines: z.array(z.string().min(1).max(2000)).max(50),
})

const occurrence = z.strictObject({ originalStart: localDateTime, startMs: z.int() }).nullable()

const intent: z.ZodType<TxIntent> = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('book'), meeting: meetingSpec, override: z.boolean(), priority }),
  z.strictObject({ kind: z.literal('cancel'), meetingId, occurrence }),
  z.strictObject({
    kind: z.literal('move'),
    meetingId,
    occurrence,
    change: z.strictObject({ start: localDateTime, durationMinutes: z.int().min(1).max(527_040), title: z.string().max(500) }),
    override: z.boolean(),
    priority,
  }),
])

export const XOFFICE_PARAM_SCHEMAS = {
  'xoffice.book': CALENDAR_PARAM_SCHEMAS['meeting.book'],
  'xoffice.locate': z.strictObject({ users: z.array(personId).min(1).max(500) }),
  'xoffice.prepare': z.strictObject({
    txId,
    coordinatorOffice: officeId,
    coordinatorTerm: term,
    intent,
    required: people,
    optional: people,
    leaseMs: z.int().min(100).max(600_000),
  }),
  'xoffice.decide': z.strictObject({ txId, coordinatorTerm: term, decision: z.enum(['commit', 'abort']), token: z.int().min(1).nullable() }),
  'xoffice.outcome': z.strictObject({ txId, office: officeId }),
  /** A participant asks a hold's coordinator to abort it for a higher-priority transaction. */
  'xoffice.displace': z.strictObject({ txId, office: officeId, by: z.strictObject({ txId, title: z.string().max(500), priority }) }),
  'xoffice.cancel': CALENDAR_PARAM_SCHEMAS['meeting.cancel'],
  'xoffice.move': CALENDAR_PARAM_SCHEMAS['meeting.update'],
  /** An attendee's answer, at any office holding the meeting: recorded in every office holding it. */
  'xoffice.respond': CALENDAR_PARAM_SCHEMAS['meeting.respond'],
  /** The same answer for this office's copy of the meeting, sent by the office that took it, with its stamp (replicas only). */
  'xoffice.recordResponse': CALENDAR_PARAM_SCHEMAS['meeting.respond'].extend({
    /** Absent from replicas of before answers were stamped: stamped here then. */
    stamp: z.strictObject({ counter: z.int().min(1).max(Number.MAX_SAFE_INTEGER), office: officeId }).optional(),
  }),
  'xoffice.transaction': z.strictObject({ txId }),
  'xoffice.stats': z.strictObject({}),
  /** Read-only diagnostic (the chaos harness's atomicity and fencing checks): this office's participant record. */
  'xoffice.participant': z.strictObject({ txId }),
} as const

type Params<K extends keyof typeof XOFFICE_PARAM_SCHEMAS> = z.input<(typeof XOFFICE_PARAM_SCHEMAS)[K]>

export type CrossOfficeBookingResult =
  | { readonly id: string; readonly status: 'booked'; readonly warnings: readonly string[]; readonly conflicts: readonly ConflictView[] }
  | { readonly id: null; readonly transaction: string; readonly status: 'conflict'; readonly reason: string; readonly conflicts: readonly ConflictView[] }
  | { readonly id: null; readonly transaction: string; readonly status: 'aborted'; readonly reason: string; readonly conflicts: readonly [] }

export interface TransactionOutcome {
  readonly txId: string
  readonly decision: 'commit' | 'abort'
  /** The coordinator leader's term when it answered: the participant applies the outcome with it. */
  readonly coordinatorTerm: number
  /** The participant's token recorded in a commit decision (null for an abort). */
  readonly token: number | null
}

/** transaction: the 2PC transaction that made the change; null when the meeting lives in one office only. */
export type CrossOfficeCancelResult = CancelResult & { readonly transaction: string | null }
export type CrossOfficeMoveResult = BookingResult & { readonly transaction: string | null }

export interface CrossOfficeStats {
  readonly office: string
  readonly fenced: Readonly<Record<FencingRejection, number>>
  readonly openTransactions: number
  readonly preparedHolds: number
}

export type CrossOfficeMethods = {
  readonly 'xoffice.book': { readonly params: Params<'xoffice.book'>; readonly result: CrossOfficeBookingResult }
  readonly 'xoffice.locate': { readonly params: Params<'xoffice.locate'>; readonly result: { readonly office: string; readonly users: readonly string[] } }
  readonly 'xoffice.prepare': { readonly params: Params<'xoffice.prepare'>; readonly result: PrepareVote | Extract<XofficeResult, { kind: 'fenced' }> }
  readonly 'xoffice.decide': { readonly params: Params<'xoffice.decide'>; readonly result: Extract<XofficeResult, { kind: 'decided' | 'fenced' }> }
  readonly 'xoffice.outcome': { readonly params: Params<'xoffice.outcome'>; readonly result: TransactionOutcome }
  readonly 'xoffice.displace': { readonly params: Params<'xoffice.displace'>; readonly result: TransactionOutcome }
  readonly 'xoffice.cancel': { readonly params: Params<'xoffice.cancel'>; readonly result: CrossOfficeCancelResult }
  readonly 'xoffice.move': { readonly params: Params<'xoffice.move'>; readonly result: CrossOfficeMoveResult }
  readonly 'xoffice.respond': { readonly params: Params<'xoffice.respond'>; readonly result: MeetingView }
  readonly 'xoffice.recordResponse': { readonly params: Params<'xoffice.recordResponse'>; readonly result: MeetingView }
  readonly 'xoffice.transaction': { readonly params: Params<'xoffice.transaction'>; readonly result: CoordinatorTx }
  readonly 'xoffice.stats': { readonly params: Params<'xoffice.stats'>; readonly result: CrossOfficeStats }
  /** null when this office never heard of the transaction. */
  readonly 'xoffice.participant': { readonly params: Params<'xoffice.participant'>; readonly result: ParticipantTx | null }
}
