/**
 * Cross-office meetings on an office replica: the RPC methods of both roles (booking, cancelling
 * and moving; prepare, decide, outcome, displacement) and the timer that drives recovery while
 * the replica leads its office.
 */
import { CalendarInputError } from '../calendar/calendar-input-error.js'
import { readUser } from '../calendar-service/calendar-store.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { RequestContext, RpcServer } from '../rpc/rpc-server.js'
import type { CrossOfficeDeps } from './cross-office-deps.js'
import { LEASE_SKEW_MARGIN_MS } from './coordinator-apply.js'
import { CrossOfficeCoordinator } from './coordinator.js'
import { HoldDisplacement } from './hold-displacement.js'
import { HoldInquiry } from './hold-inquiry.js'
import { MeetingTransactions, type MeetingTransactionDeps } from './meeting-transactions.js'
import { XOFFICE_PARAM_SCHEMAS } from './xoffice-api.js'
import type { XofficeResult } from './xoffice-command.js'
import { fencingCounters, openTransactionIds, preparedTransactionIds, readCoordinatorTx, readParticipantTx } from './xoffice-store.js'

export interface CrossOfficeServiceDeps extends CrossOfficeDeps, MeetingTransactionDeps {
  /** Waits until this replica applied everything committed before the call. */
  readonly readBarrier: (ctx: RequestContext) => Promise<void>
}

export class CrossOfficeService {
  private readonly coordinator: CrossOfficeCoordinator
  private readonly inquiry: HoldInquiry
  private readonly meetings: MeetingTransactions
  private readonly displacement: HoldDisplacement
  private timer: NodeJS.Timeout | null = null
  private passing = false

  constructor(private readonly deps: CrossOfficeServiceDeps) {
    const shortest = 2 * LEASE_SKEW_MARGIN_MS
    if (deps.timing.leaseMs <= shortest) throw new RangeError(`cross-office hold lease of ${deps.timing.leaseMs} ms is too short: it must exceed ${shortest} ms (twice the clock-skew margin), or no booking could commit`)
    this.coordinator = new CrossOfficeCoordinator(deps)
    this.inquiry = new HoldInquiry(deps)
    this.meetings = new MeetingTransactions(deps, this.coordinator)
    this.displacement = new HoldDisplacement(deps)
  }

  register(rpc: RpcServer): void {
    const s = XOFFICE_PARAM_SCHEMAS
    const { deps } = this
    /** Client entries: read what is applied, then run; bad calendar input is the caller's error, naming the field. */
    const entry =
      <P, R>(run: (params: P, requestId: string, signal: AbortSignal) => Promise<R>) =>
      async (params: P, ctx: RequestContext): Promise<R> => {
        try {
          await deps.readBarrier(ctx)
          return await run(params, ctx.requestId, ctx.signal)
        } catch (error) {
          if (error instanceof CalendarInputError) throw RpcError.of('BAD_REQUEST', `${ctx.method}: ${error.message}`, { field: error.field })
          throw error
        }
      }
    rpc
      .method('xoffice.book', s['xoffice.book'], entry((p, id, signal) => this.meetings.book(p, id, signal)))
      .method('xoffice.cancel', s['xoffice.cancel'], entry((p, id, signal) => this.meetings.cancel(p, id, signal)))
      .method('xoffice.move', s['xoffice.move'], entry((p, id, signal) => this.meetings.move(p, id, signal)))
      .method('xoffice.respond', s['xoffice.respond'], entry((p, id, signal) => this.meetings.respond(p, id, signal)))
      .method('xoffice.recordResponse', s['xoffice.recordResponse'], entry((p, id, signal) => this.meetings.recordResponse(p, id, signal)))
      .method('xoffice.locate', s['xoffice.locate'], async (p, ctx) => {
        await deps.readBarrier(ctx)
        const here = await Promise.all(p.users.map(async (id) => ((await readUser(deps.store, id)) === null ? null : id)))
        return { office: deps.officeId, users: here.filter((id) => id !== null) }
      })
      .method('xoffice.prepare', s['xoffice.prepare'], async (p, ctx) => {
        const local = { office: deps.officeId, required: p.required, optional: p.optional }
        const command = { kind: 'hold.prepare' as const, txId: p.txId, coordinatorOffice: p.coordinatorOffice, coordinatorTerm: p.coordinatorTerm, intent: p.intent, local, leaseMs: p.leaseMs }
        let result = await deps.propose(command, ctx.requestId, ctx.signal)
        if (result.kind === 'vote' && result.displaceable.length > 0 && p.intent.kind !== 'cancel') {
          const title = p.intent.kind === 'book' ? p.intent.meeting.title : p.intent.change.title
          const by = { txId: p.txId, title, priority: p.intent.priority }
          // Asked again under a request id of its own: the first answer stays recorded for retries of the first.
          if (await this.displacement.displace(result.displaceable, by)) result = await deps.propose(command, `${ctx.requestId}.after-displacement`, ctx.signal)
        }
        if (result.kind === 'vote') return result.vote
        return expect(result, 'fenced', ctx)
      })
      .method('xoffice.decide', s['xoffice.decide'], async (p, ctx) => {
        const result = await deps.propose({ kind: 'hold.decide', txId: p.txId, coordinatorTerm: p.coordinatorTerm, decision: p.decision, token: p.token }, ctx.requestId, ctx.signal)
        if (result.kind === 'decided') return result
        return expect(result, 'fenced', ctx)
      })
      .method('xoffice.outcome', s['xoffice.outcome'], async (p, ctx) => {
        await deps.readBarrier(ctx)
        return this.coordinator.outcome(p.txId, p.office)
      })
      .method('xoffice.displace', s['xoffice.displace'], async (p, ctx) => {
        await deps.readBarrier(ctx)
        return this.coordinator.displace(p.txId, p.office, p.by)
      })
      .method('xoffice.transaction', s['xoffice.transaction'], async (p, ctx) => {
        await deps.readBarrier(ctx)
        return (await readCoordinatorTx(deps.store, p.txId)) ?? failNotFound(`txId: transaction "${p.txId}" does not exist in office ${deps.officeId}`)
      })
      .method('xoffice.stats', s['xoffice.stats'], async (_p, ctx) => {
        await deps.readBarrier(ctx)
        return {
          office: deps.officeId,
          fenced: await fencingCounters(deps.store),
          openTransactions: (await openTransactionIds(deps.store)).length,
          preparedHolds: (await preparedTransactionIds(deps.store)).length,
        }
      })
      .method('xoffice.participant', s['xoffice.participant'], async (p, ctx) => {
        await deps.readBarrier(ctx)
        return readParticipantTx(deps.store, p.txId)
      })
  }

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.deps.timing.passIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.coordinator.stop()
  }

  /** One pass at a time: a slow pass (an office down) must not pile up behind the timer. */
  private async pass(): Promise<void> {
    if (this.passing) return
    this.passing = true
    try {
      await this.coordinator.recoveryPass()
      await this.inquiry.pass()
    } catch (error) {
      this.deps.logger.warn('cross-office recovery pass failed; the next one retries', { office: this.deps.officeId, error: (error as Error).message })
    } finally {
      this.passing = false
    }
  }
}

function expect<K extends XofficeResult['kind']>(result: XofficeResult, kind: K, ctx: RequestContext): Extract<XofficeResult, { kind: K }> {
  if (result.kind !== kind) throw RpcError.of('INTERNAL', `${ctx.method}: unexpected ${result.kind} result`)
  return result as Extract<XofficeResult, { kind: K }>
}

function failNotFound(message: string): never {
  throw RpcError.of('NOT_FOUND', message)
}
