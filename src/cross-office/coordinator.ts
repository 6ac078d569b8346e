/**
 * The coordinator of cross-office transactions (booking, cancelling or moving a meeting), running
 * on the meeting office's leader: begins the transaction in its log, collects the participant
 * offices' votes in parallel, makes the decision durable, answers the caller, and delivers the
 * decision until every office acknowledged. After a leader change it re-drives every open
 * transaction of its office (presumed abort). A participant may ask it to abort an undecided
 * transaction for a higher-priority one (displacement).
 */
import type { MeetingSpec, TimeConflict } from '../calendar-service/calendar-command.js'
import { RpcError } from '../rpc/rpc-error.js'
import type { CrossOfficeDeps } from './cross-office-deps.js'
import type { CrossOfficeMethods, TransactionOutcome } from './xoffice-api.js'
import { priorityOf, type CoordinatorTx, type OfficeAttendance, type PrepareVote, type TxDecision, type TxIntent, type XofficeResult } from './xoffice-command.js'
import { openTransactionIds, readCoordinatorTx } from './xoffice-store.js'
import { readEntry } from '../directory/directory-store.js'

type DisplacingTx = CrossOfficeMethods['xoffice.displace']['params']['by']

const DECIDE_TIMEOUT_MS = 5000
const DELIVERY_PAUSE_MS = { first: 100, max: 2000 }
const HOLD_RETRY_BASE_MS = 100

export class CrossOfficeCoordinator {
  /** Transactions this process is preparing now, so recovery leaves them to it. */
  private readonly driving = new Map<string, Promise<CoordinatorTx>>()
  /** Transactions whose decision this process is delivering now. */
  private readonly delivering = new Set<string>()
  /** tx.begin proposals not answered yet: their transactions are about to be driven here. */
  private beginsInFlight = 0
  private leadership: { readonly term: number; readonly sinceMs: number } | null = null
  private stopped = false

  constructor(private readonly deps: CrossOfficeDeps) {}

  stop(): void {
    this.stopped = true
  }

  /**
   * Runs one transaction to its decision. One that loses only to other transactions' holds
   * (no-wait) is tried again as a fresh transaction after a jittered, doubling pause.
   */
  async run(intent: TxIntent, participants: readonly OfficeAttendance[], requestId: string, signal: AbortSignal): Promise<CoordinatorTx> {
    const { deps } = this
    for (let attempt = 1; ; attempt++) {
      const decided = await this.drive(await this.begin(intent, participants, attempt === 1 ? requestId : `${requestId}.a${attempt}`, signal))
      const lostToHolds = decided.phase.kind === 'decided' && decided.phase.decision.kind === 'abort' && onlyHolds(decided.phase.decision.conflicts)
      if (!lostToHolds || attempt >= deps.timing.holdConflictAttempts) return decided
      await sleep(HOLD_RETRY_BASE_MS * 2 ** (attempt - 1) * (0.5 + deps.random()))
    }
  }

  private async begin(intent: TxIntent, participants: readonly OfficeAttendance[], requestId: string, signal: AbortSignal): Promise<CoordinatorTx> {
    this.beginsInFlight += 1
    try {
      const begun = txOf(await this.deps.propose({ kind: 'tx.begin', intent, participants, leaseMs: this.deps.timing.leaseMs }, requestId, signal))
      // A retried request is answered with the record as it was begun: it may be decided by now.
      return (await readCoordinatorTx(this.deps.store, begun.id)) ?? begun
    } finally {
      this.beginsInFlight -= 1
    }
  }

  /** What a participant asking about its hold is told; an undecided transaction is aborted first. */
  async outcome(txId: string, office: string): Promise<TransactionOutcome> {
    const term = this.requireLeader('xoffice.outcome')
    const tx = await this.requireTx(txId)
    const decided = tx.phase.kind === 'decided' ? tx : await this.decide(tx, presumedAbort('a participant asked for the outcome before any decision'), 'presumed-abort')
    return outcomeFor(decided, office, term)
  }

  /**
   * A participant found this transaction's hold in the way of a higher-priority one: an undecided
   * transaction of lower priority is aborted, saying which one displaced it; a decided one keeps
   * its decision (a committed meeting is never displaced). The answer is the recorded outcome.
   */
  async displace(txId: string, office: string, by: DisplacingTx): Promise<TransactionOutcome> {
    const term = this.requireLeader('xoffice.displace')
    const tx = await this.requireTx(txId)
    if (tx.phase.kind === 'decided') return outcomeFor(tx, office, term)
    const own = priorityOf(tx.intent)
    if (by.priority <= own) throw RpcError.of('CONFLICT', `by: transaction "${by.txId}" (priority ${by.priority}) cannot displace "${txId}" (priority ${own})`)
    const reason = `displaced by higher-priority meeting "${by.title}" (${by.txId}, priority ${by.priority} over ${own})`
    const decided = await this.decide(tx, { kind: 'abort', reason, conflicts: [] }, 'displaced')
    this.deliver(decided)
    return outcomeFor(decided, office, term)
  }

  /** Run by the leader on a timer: finish what an earlier leader (or a failed call) left open. */
  async recoveryPass(): Promise<void> {
    const term = this.deps.leaderTerm()
    if (term === null) {
      this.leadership = null
      return
    }
    if (this.leadership?.term !== term) this.leadership = { term, sinceMs: this.deps.now() }
    const since = this.leadership.sinceMs
    for (const id of await openTransactionIds(this.deps.store)) {
      if (this.stopped || this.deps.leaderTerm() !== term) return
      const tx = await readCoordinatorTx(this.deps.store, id)
      if (tx === null) continue
      if (tx.phase.kind === 'decided') {
        this.deliver(tx)
        continue
      }
      if (this.driving.has(id) || this.beginsInFlight > 0) continue
      const abandoned = tx.beganAtMs < since || this.deps.now() - tx.beganAtMs > this.deps.timing.prepareTimeoutMs + this.deps.timing.leaseMs
      if (abandoned) this.deliver(await this.decide(tx, presumedAbort("the coordinator's leader changed before a decision"), 'presumed-abort'))
    }
  }

  /**
   * Where each attendee lives: this office's replicated directory answers; only people it does not
   * know yet (added elsewhere a moment ago, not published here yet) are asked of every office.
   */
  async locate(meeting: MeetingSpec): Promise<OfficeAttendance[]> {
    const home = new Map<string, string>()
    for (const user of [meeting.organizer, ...meeting.required, ...meeting.optional]) {
      const entry = await readEntry(this.deps.store, user)
      if (entry !== null) home.set(user, entry.office)
    }
    const unknown = [meeting.organizer, ...meeting.required, ...meeting.optional].filter((user) => !home.has(user))
    const answers = await Promise.all(
      this.deps.offices.map(async (office) => {
        if (unknown.length === 0) return { office, users: [], error: null }
        try {
          const found = await this.deps.office(office).call('xoffice.locate', { users: unknown }, { timeoutMs: this.deps.timing.prepareTimeoutMs })
          return { office, users: found.users, error: null }
        } catch (error) {
          return { office, users: [], error: error as Error }
        }
      }),
    )
    for (const answer of answers) for (const user of answer.users) home.set(user, answer.office)
    const silent = answers.filter((a) => a.error !== null)
    const place = (user: string, field: string): string => {
      const office = home.get(user)
      if (office !== undefined) return office
      if (silent.length > 0) {
        const offices = silent.map((a) => `${a.office} (${a.error?.message ?? ''})`).join(', ')
        throw RpcError.of('UNAVAILABLE', `${field}: cannot tell which office "${user}" is in: no answer from ${offices}`)
      }
      throw RpcError.of('NOT_FOUND', `${field}: no office has a user "${user}"`)
    }
    const byOffice = new Map<string, { required: string[]; optional: string[] }>()
    const add = (user: string, field: string, list: 'required' | 'optional') => {
      const office = place(user, field)
      let entry = byOffice.get(office)
      if (entry === undefined) byOffice.set(office, (entry = { required: [], optional: [] }))
      entry[list].push(user)
    }
    add(meeting.organizer, 'organizer', 'required')
    meeting.required.forEach((user, i) => add(user, `attendees[${i}]`, 'required'))
    meeting.optional.forEach((user, i) => add(user, `optional[${i}]`, 'optional'))
    return [...byOffice].map(([office, lists]) => ({ office, ...lists }))
  }

  /** Prepares and decides once per transaction per process; later callers share the answer. */
  private drive(tx: CoordinatorTx): Promise<CoordinatorTx> {
    if (tx.phase.kind === 'decided') {
      this.deliver(tx)
      return Promise.resolve(tx)
    }
    const running = this.driving.get(tx.id)
    if (running !== undefined) return running
    const driven = this.prepareAndDecide(tx).finally(() => this.driving.delete(tx.id))
    this.driving.set(tx.id, driven)
    return driven
  }

  private async prepareAndDecide(tx: CoordinatorTx): Promise<CoordinatorTx> {
    const term = this.requireLeader(`xoffice.${tx.intent.kind}`)
    const votes = await Promise.all(tx.participants.map(async (p) => ({ office: p.office, vote: await this.prepareOne(tx, p, term) })))
    const decided = await this.decide(tx, decisionFrom(votes), 'decide')
    this.deps.afterDecision?.(decided.id)
    this.deliver(decided)
    return decided
  }

  private async prepareOne(tx: CoordinatorTx, attendance: OfficeAttendance, term: number): Promise<PrepareVote> {
    const { prepareTimeoutMs } = this.deps.timing
    try {
      const answer = await this.deps.office(attendance.office).call(
        'xoffice.prepare',
        { txId: tx.id, coordinatorOffice: tx.office, coordinatorTerm: term, intent: tx.intent, required: [...attendance.required], optional: [...attendance.optional], leaseMs: tx.leaseMs },
        { requestId: `${tx.id}.prepare.${attendance.office}.t${term}`, timeoutMs: prepareTimeoutMs },
      )
      if ('kind' in answer) return { vote: 'no', reason: `office ${attendance.office} refused the prepare: ${answer.message}`, conflicts: [] }
      return answer
    } catch (error) {
      return { vote: 'no', reason: `office ${attendance.office} did not answer the prepare within ${prepareTimeoutMs} ms (${(error as Error).message})`, conflicts: [] }
    }
  }

  private async decide(tx: CoordinatorTx, decision: TxDecision, step: 'decide' | 'presumed-abort' | 'displaced'): Promise<CoordinatorTx> {
    return txOf(await this.deps.propose({ kind: 'tx.decide', txId: tx.id, decision }, `${tx.id}.${step}`, AbortSignal.timeout(DECIDE_TIMEOUT_MS)))
  }

  /**
   * Sends the durable decision to every participant office until each acknowledged, then closes
   * the transaction. Stops when this replica stops leading: the next leader picks it up.
   */
  private deliver(tx: CoordinatorTx): void {
    if (tx.phase.kind !== 'decided' || tx.phase.finished || this.delivering.has(tx.id)) return
    const { decision } = tx.phase
    this.delivering.add(tx.id)
    const pending = new Set(tx.participants.map((p) => p.office))
    const run = async () => {
      for (let round = 0; pending.size > 0; round++) {
        const term = this.deps.leaderTerm()
        if (term === null || this.stopped) return
        if (round > 0) await sleep(Math.min(DELIVERY_PAUSE_MS.first * 2 ** (round - 1), DELIVERY_PAUSE_MS.max))
        await Promise.all([...pending].map(async (office) => {
          if (await this.deliverTo(tx, office, decision, term)) pending.delete(office)
        }))
      }
      if (this.deps.leaderTerm() !== null) await this.deps.propose({ kind: 'tx.finish', txId: tx.id }, `${tx.id}.finish`, AbortSignal.timeout(DECIDE_TIMEOUT_MS))
    }
    run()
      .catch((error: Error) => this.deps.logger.warn('cross-office decision delivery stopped; the next recovery pass resumes it', { txId: tx.id, error: error.message }))
      .finally(() => this.delivering.delete(tx.id))
  }

  /** true once the office acknowledged (or can never accept) the decision. */
  private async deliverTo(tx: CoordinatorTx, office: string, decision: TxDecision, term: number): Promise<boolean> {
    const token = decision.kind === 'commit' ? (decision.tokens[office] ?? null) : null
    try {
      const answer = await this.deps.office(office).call(
        'xoffice.decide',
        { txId: tx.id, coordinatorTerm: term, decision: decision.kind, token },
        { requestId: `${tx.id}.decide.${office}.t${term}`, timeoutMs: this.deps.timing.prepareTimeoutMs },
      )
      if (answer.kind === 'decided') return true
      // A newer coordinator term has spoken to this office: this leader is deposed and stays quiet.
      if (answer.rejection === 'staleTerm') throw new Error(`office ${office}: ${answer.message}`)
      this.deps.logger.warn('a participant office refused a durable decision', { txId: tx.id, office, rejection: answer.rejection, message: answer.message })
      return true
    } catch (error) {
      if (error instanceof RpcError) return false
      throw error
    }
  }

  private async requireTx(txId: string): Promise<CoordinatorTx> {
    return (await readCoordinatorTx(this.deps.store, txId)) ?? notFound(`txId: transaction "${txId}" does not exist in office ${this.deps.officeId}`)
  }

  private requireLeader(method: string): number {
    const term = this.deps.leaderTerm()
    if (term === null) throw RpcError.notLeader(`${method}: this replica does not lead office ${this.deps.officeId}`, { leader: null, leaderUrl: null })
    return term
  }
}

function decisionFrom(votes: ReadonlyArray<{ office: string; vote: PrepareVote }>): TxDecision {
  const tokens: Record<string, number> = {}
  const reasons: string[] = []
  const conflicts: TimeConflict[] = []
  const warnings: TimeConflict[] = []
  let leaseExpiresMs = Number.POSITIVE_INFINITY
  for (const { office, vote } of votes) {
    if (vote.vote === 'yes') {
      tokens[office] = vote.token
      leaseExpiresMs = Math.min(leaseExpiresMs, vote.leaseExpiresMs)
      warnings.push(...vote.warnings)
    } else {
      reasons.push(vote.reason)
      conflicts.push(...vote.conflicts)
    }
  }
  return reasons.length === 0 ? { kind: 'commit', tokens, leaseExpiresMs, warnings } : { kind: 'abort', reason: reasons.join('; '), conflicts }
}

function onlyHolds(conflicts: readonly TimeConflict[]): boolean {
  return conflicts.length > 0 && conflicts.every((c) => c.source === 'hold')
}

function presumedAbort(why: string): TxDecision {
  return { kind: 'abort', reason: `${why} (presumed abort)`, conflicts: [] }
}

function outcomeFor(tx: CoordinatorTx, office: string, term: number): TransactionOutcome {
  if (tx.phase.kind !== 'decided') throw RpcError.of('INTERNAL', `transaction "${tx.id}" has no decision after deciding`)
  const { decision } = tx.phase
  return { txId: tx.id, decision: decision.kind, coordinatorTerm: term, token: decision.kind === 'commit' ? (decision.tokens[office] ?? null) : null }
}

function txOf(result: XofficeResult): CoordinatorTx {
  if (result.kind !== 'tx') throw RpcError.of('INTERNAL', `expected a transaction record, got ${result.kind}`)
  return result.tx
}

function notFound(message: string): never {
  throw RpcError.of('NOT_FOUND', message)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}
