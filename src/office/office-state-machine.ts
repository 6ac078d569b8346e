/**
 * An office's replicated state machine: applies committed log entries to the office keyspace.
 * Every replica applies the same entries in the same order and reaches the same keyspace; the
 * effects of a batch of entries and the new applied index are committed in one LevelDB batch.
 */
import type { Entry, Index, Snapshot, Term } from '../../raft/types.js'
import type { StateMachineStore } from '../../storage/state-machine-store.js'
import { applyKvCommand } from '../kv/kv-apply.js'
import { DEFAULT_RETENTION_ENTRIES, findAppliedRequest, recordAppliedRequest, sweepExpiredRequests } from './applied-requests.js'
import { KeyspaceTransaction } from './keyspace-transaction.js'
import { applyMembershipChange } from './office-members.js'
import { decodeProposal, type OfficeCommand, type OfficeOutcome, type OfficeResult } from './office-command.js'

export interface OfficeStateMachineOptions {
  /** How many log entries an applied request id is remembered for retries. */
  readonly requestRetentionEntries?: number
}

export class OfficeStateMachine {
  private readonly retention: number

  constructor(
    readonly store: StateMachineStore,
    options: OfficeStateMachineOptions = {},
  ) {
    this.retention = options.requestRetentionEntries ?? DEFAULT_RETENTION_ENTRIES
  }

  appliedIndex(): Index {
    return this.store.appliedIndex()
  }

  /**
   * Applies entries in order and returns one outcome per entry (null for no-op and membership
   * entries). Entries at or below the applied index were applied before a restart and are skipped.
   */
  async apply(entries: readonly Entry[]): Promise<Array<OfficeOutcome | null>> {
    const tx = new KeyspaceTransaction(this.store)
    const outcomes: Array<OfficeOutcome | null> = []
    let last: { index: Index; term: Term } | null = null
    for (const entry of entries) {
      if (entry.index <= this.store.appliedIndex()) {
        outcomes.push(null)
        continue
      }
      await sweepExpiredRequests(tx, this.store, entry.index, this.retention)
      if (entry.kind === 'config') applyMembershipChange(tx, entry.change)
      outcomes.push(entry.kind === 'command' ? await this.applyCommand(tx, entry.index, entry.data) : null)
      last = { index: entry.index, term: entry.term }
    }
    if (last !== null) await this.store.commit(tx.ops(), last)
    return outcomes
  }

  async snapshot(): Promise<{ data: Uint8Array; index: Index; term: Term }> {
    return this.store.snapshotData()
  }

  async restore(snapshot: Snapshot): Promise<void> {
    await this.store.installSnapshot(snapshot)
  }

  private async applyCommand(tx: KeyspaceTransaction, index: Index, data: Uint8Array): Promise<OfficeOutcome> {
    const proposal = decodeProposal(data)
    if ('corrupt' in proposal) return { ok: false, code: 'BAD_COMMAND', message: proposal.corrupt }
    const earlier = await findAppliedRequest(tx, proposal.requestId)
    if (earlier !== null) return earlier
    const outcome: OfficeOutcome = { ok: true, result: await execute(tx, proposal.command) }
    recordAppliedRequest(tx, proposal.requestId, index, outcome)
    return outcome
  }
}

async function execute(tx: KeyspaceTransaction, command: OfficeCommand): Promise<OfficeResult> {
  switch (command.kind) {
    case 'kv':
      return { kind: 'kv', result: await applyKvCommand(command.command, tx) }
  }
}
