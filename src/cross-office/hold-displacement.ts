/**
 * Priority on a participant office: when a prepare is blocked only by holds of lower-priority
 * transactions still undecided here, the office asks each hold's coordinator to abort it
 * (xoffice.displace). A coordinator that aborts says so durably first; this office then applies
 * the abort with that coordinator's term, like any delivered decision, and the prepare is asked
 * again. A hold is never released behind its coordinator's back, so atomicity holds, and a
 * transaction already committed keeps its time.
 */
import type { CrossOfficeDeps } from './cross-office-deps.js'
import type { DisplaceableHold } from './xoffice-command.js'

/** Who asks for the room: named in the displaced transaction's abort reason. */
export interface DisplacingTransaction {
  readonly txId: string
  readonly title: string
  readonly priority: number
}

export class HoldDisplacement {
  constructor(private readonly deps: CrossOfficeDeps) {}

  /** true when every hold was aborted by its coordinator and released here. */
  async displace(holds: readonly DisplaceableHold[], by: DisplacingTransaction): Promise<boolean> {
    const { deps } = this
    // Half the prepare timeout, so the coordinator waiting on this office's vote still hears it.
    const timeoutMs = Math.max(1, Math.floor(deps.timing.prepareTimeoutMs / 2))
    const results = await Promise.all(
      holds.map(async (hold) => {
        try {
          const outcome = await deps.office(hold.coordinatorOffice).call('xoffice.displace', { txId: hold.txId, office: deps.officeId, by }, { timeoutMs })
          if (outcome.decision !== 'abort') return false
          const released = await deps.propose(
            { kind: 'hold.decide', txId: hold.txId, coordinatorTerm: outcome.coordinatorTerm, decision: 'abort', token: null },
            `${hold.txId}.displaced.t${outcome.coordinatorTerm}`,
            AbortSignal.timeout(timeoutMs),
          )
          return released.kind === 'decided' && released.state === 'aborted'
        } catch (error) {
          deps.logger.warn('could not displace a lower-priority hold; the prepare votes no', { txId: hold.txId, by: by.txId, error: (error as Error).message })
          return false
        }
      }),
    )
    return results.every((ok) => ok)
  }
}
