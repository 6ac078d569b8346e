/**
 * The participant's side of recovery, on each office's leader: a prepared hold whose lease runs
 * low is not simply dropped (its yes vote is a promise). The office renews the lease, so the time
 * stays blocked, and asks the coordinator's office for the outcome, which decides abort first if
 * nothing was decided; the answer is applied with the coordinator's term and token like any
 * delivered decision.
 */
import type { CrossOfficeDeps } from './cross-office-deps.js'
import { preparedTransactionIds, readParticipantTx } from './xoffice-store.js'

export class HoldInquiry {
  private readonly asking = new Set<string>()
  /** Failed inquiries per transaction, so a coordinator office that stays down is logged rarely. */
  private readonly failures = new Map<string, number>()

  constructor(private readonly deps: CrossOfficeDeps) {}

  async pass(): Promise<void> {
    if (this.deps.leaderTerm() === null) return
    const now = this.deps.now()
    for (const id of await preparedTransactionIds(this.deps.store)) {
      const record = await readParticipantTx(this.deps.store, id)
      const state = record?.state
      if (state?.kind !== 'prepared' || state.leaseExpiresMs - now > state.leaseMs / 3 || this.asking.has(id)) continue
      this.asking.add(id)
      this.ask(id, state.coordinatorOffice, state.token).finally(() => this.asking.delete(id))
    }
  }

  private async ask(txId: string, coordinatorOffice: string, token: number): Promise<void> {
    try {
      // Renewed first, so the hold keeps blocking even if the answer is slow or never comes.
      await this.deps.propose({ kind: 'hold.renew', txId, token }, `${txId}.renew.${this.deps.now()}`, AbortSignal.timeout(this.deps.timing.prepareTimeoutMs))
      const outcome = await this.deps
        .office(coordinatorOffice)
        .call('xoffice.outcome', { txId, office: this.deps.officeId }, { timeoutMs: this.deps.timing.prepareTimeoutMs })
      const requestId = `${txId}.inquiry.t${outcome.coordinatorTerm}`
      await this.deps.propose(
        { kind: 'hold.decide', txId, coordinatorTerm: outcome.coordinatorTerm, decision: outcome.decision, token: outcome.token },
        requestId,
        AbortSignal.timeout(this.deps.timing.prepareTimeoutMs),
      )
      this.failures.delete(txId)
    } catch (error) {
      const count = (this.failures.get(txId) ?? 0) + 1
      this.failures.set(txId, count)
      // First failure, then every 20th: the hold stays until the coordinator office answers.
      if (count === 1 || count % 20 === 0) {
        this.deps.logger.warn('cannot learn the outcome of a held transaction; its holds stay', { txId, coordinatorOffice, attempts: count, error: (error as Error).message })
      }
    }
  }
}
