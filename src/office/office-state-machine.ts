/**
 * An office's replicated state machine: applies committed log entries to the office keyspace.
 * Every replica applies the same entries in the same order and reaches the same keyspace; the
 * effects of a batch of entries and the new applied index are committed in one LevelDB batch.
 */
import type { Entry, Index, Snapshot, Term } from '../../raft/types.js'
import type { StateMachineStore } from '../../storage/state-machine-store.js'
import { applyCalendarCommand } from '../calendar-service/calendar-apply.js'
import type { CalendarApplyContext, OfficeCalendarSettings } from '../calendar-service/calendar-apply-context.js'
import { CalendarRejectionError } from '../calendar-service/calendar-command.js'
import { applyXofficeCommand } from '../cross-office/xoffice-apply.js'
import { applyDirectoryCommand, recordLocalUser } from '../directory/directory-apply.js'
import { applyKvCommand } from '../kv/kv-apply.js'
import { kvStorageKey } from '../kv/kv-keyspace.js'
import {
  appliedRequestIds,
  appliedRequestKey,
  AppliedRequestLog,
  DEFAULT_RETENTION_ENTRIES,
  expiryBlockKey,
  findAppliedRequest,
  isAppliedRequestKey,
  longestRemembered,
  requestSweepDue,
  sweepExpiredRequests,
} from './applied-requests.js'
import { AppliedKeyspaceCache } from './applied-keyspace-cache.js'
import { ClientSessionLog, sessionBlockKey, sessionKey, sessionSweepDue } from './client-sessions.js'
import { KeyspaceTransaction } from './keyspace-transaction.js'
import { RequestIdFilter } from './request-id-filter.js'
import { applyMembershipChange } from './office-members.js'
import { DEFAULT_TOMBSTONE_RETENTION_MS, sweepTombstones, tombstoneSweepDue } from './tombstone-sweep.js'
import { decodeProposal, type OfficeOutcome, type OfficeProposal, type OfficeResult } from './office-command.js'

export interface OfficeStateMachineOptions {
  /** The office's calendar defaults (zone, working time, holidays): replicated configuration. */
  readonly office: OfficeCalendarSettings
  /** How many log entries an applied request id is remembered for retries. */
  readonly requestRetentionEntries?: number
  /** How long closed transactions, cancelled meetings, notifications and settled moves are kept (replicated time). */
  readonly tombstoneRetentionMs?: number
  /** Told, after each committed batch, whose notification outbox grew (wakes long polls). */
  readonly onNotified?: (users: ReadonlySet<string>) => void
  /** Told the keys of each committed batch and its last index (feeds the free/busy change stream). */
  readonly onCommitted?: (keys: readonly string[], index: Index) => void
  /** Told when a snapshot replaced the state, with its index. */
  readonly onRestored?: (index: Index) => void
}

export class OfficeStateMachine {
  private readonly retention: number
  private readonly cache: AppliedKeyspaceCache
  /** Fresh request ids skip their table read; filled from the table before the first apply. */
  private requestIds: RequestIdFilter
  private requestIdsLoaded: Promise<void> | null = null

  constructor(
    readonly store: StateMachineStore,
    private readonly options: OfficeStateMachineOptions,
  ) {
    this.retention = options.requestRetentionEntries ?? DEFAULT_RETENTION_ENTRIES
    this.cache = new AppliedKeyspaceCache(store, isAppliedRequestKey)
    this.requestIds = new RequestIdFilter(longestRemembered(this.retention))
  }

  appliedIndex(): Index {
    return this.store.appliedIndex()
  }

  /**
   * Applies entries in order and returns one outcome per entry (null for no-op and membership
   * entries). Entries at or below the applied index were applied before a restart and are skipped.
   * Their effects are written once `stored` (the log's write of them) has landed.
   */
  async apply(entries: readonly Entry[], stored?: Promise<void>): Promise<Array<OfficeOutcome | null>> {
    await (this.requestIdsLoaded ??= this.loadRequestIds())
    const tx = new KeyspaceTransaction(this.cache)
    const requests = new AppliedRequestLog(this.requestIds)
    const sessions = new ClientSessionLog()
    const outcomes: Array<OfficeOutcome | null> = []
    const notified = new Set<string>()
    let last: { index: Index; term: Term } | null = null
    const fresh = entries.filter((entry) => entry.index > this.store.appliedIndex())
    const proposals = new Map(fresh.flatMap((entry) => (entry.kind === 'command' ? [[entry.index, decodeProposal(entry.data)] as const] : [])))
    await this.cache.prefetch(keysRead(proposals, (requestId) => this.requestIds.mayContain(requestId)))
    for (const entry of entries) {
      if (entry.index <= this.store.appliedIndex()) {
        outcomes.push(null)
        continue
      }
      // Checked here rather than only inside the sweeps: an async call per entry for nothing
      // was about an eighth of the apply path's allocation.
      if (requestSweepDue(entry.index, this.retention)) await sweepExpiredRequests(tx, this.store, entry.index, this.retention)
      if (sessionSweepDue(entry.index, this.retention)) await sessions.sweep(tx, entry.index, this.retention)
      const stamped = proposals.get(entry.index)
      if (tombstoneSweepDue(entry.index) && stamped !== undefined && !('corrupt' in stamped)) {
        await sweepTombstones(tx, entry.index, stamped.atMs, this.options.tombstoneRetentionMs ?? DEFAULT_TOMBSTONE_RETENTION_MS)
      }
      if (entry.kind === 'config') applyMembershipChange(tx, entry.change)
      outcomes.push(stamped === undefined ? null : await this.applyCommand(tx, entry.index, stamped, { requests, sessions }, notified))
      last = { index: entry.index, term: entry.term }
    }
    if (last !== null) {
      await requests.writeTo(tx)
      await sessions.writeTo(tx)
      const ops = tx.ops()
      // Not awaited: the write lands before anything reads the store again (see commitInBackground),
      // and the callers waiting on these entries are answered a thread-pool round trip sooner.
      this.store.commitInBackground(ops, last, stored)
      this.cache.committedOps(ops)
      this.options.onCommitted?.(ops.map((op) => op.key), last.index)
    }
    if (notified.size > 0) this.options.onNotified?.(notified)
    return outcomes
  }

  async snapshot(): Promise<{ data: Uint8Array; index: Index; term: Term }> {
    return this.store.snapshotData()
  }

  async restore(snapshot: Snapshot): Promise<void> {
    this.cache.clear()
    this.requestIds = new RequestIdFilter(longestRemembered(this.retention))
    this.requestIdsLoaded = null
    await this.store.installSnapshot(snapshot)
    this.options.onRestored?.(this.store.appliedIndex())
  }

  private async loadRequestIds(): Promise<void> {
    const at = this.store.appliedIndex()
    for (const requestId of await appliedRequestIds(this.store)) this.requestIds.add(requestId, at)
  }

  private async applyCommand(
    tx: KeyspaceTransaction,
    index: Index,
    proposal: ReturnType<typeof decodeProposal>,
    applied: { readonly requests: AppliedRequestLog; readonly sessions: ClientSessionLog },
    notified: Set<string>,
  ): Promise<OfficeOutcome> {
    if ('corrupt' in proposal) return { ok: false, code: 'BAD_COMMAND', message: proposal.corrupt }
    const { session } = proposal
    if (session !== undefined) {
      const verdict = await applied.sessions.check(tx, session, proposal.requestId)
      if (verdict.kind !== 'fresh') return verdict.outcome
      const outcome = await this.execute(tx, index, proposal, notified)
      await applied.sessions.record(tx, session, index, outcome)
      return outcome
    }
    const earlier = this.requestIds.mayContain(proposal.requestId) ? await findAppliedRequest(tx, proposal.requestId) : null
    if (earlier !== null) return earlier
    const outcome = await this.execute(tx, index, proposal, notified)
    applied.requests.record(tx, proposal.requestId, index, outcome)
    return outcome
  }

  /**
   * Runs one command in a nested transaction: a command refused half-way (a stale version, a
   * missing user) leaves nothing behind in the batch.
   */
  private async execute(tx: KeyspaceTransaction, index: Index, proposal: OfficeProposal, notified: Set<string>): Promise<OfficeOutcome> {
    const { command } = proposal
    switch (command.kind) {
      case 'kv':
        return { ok: true, result: { kind: 'kv', result: await applyKvCommand(command.command, tx) } }
      case 'calendar':
        return this.applyNested(tx, index, proposal, notified, async (nested, ctx) => {
          const result = await applyCalendarCommand(command.command, nested, ctx)
          // A person added here is published to every other office's directory.
          if (result.kind === 'user' && command.command.kind === 'user.add') await recordLocalUser(nested, result.user.id, ctx.office.officeId)
          return { kind: 'calendar', result }
        })
      case 'xoffice':
        return this.applyNested(tx, index, proposal, notified, async (nested, ctx) => ({ kind: 'xoffice', result: await applyXofficeCommand(command.command, nested, ctx) }))
      case 'directory':
        return this.applyNested(tx, index, proposal, notified, async (nested, ctx) => ({ kind: 'directory', result: await applyDirectoryCommand(command.command, nested, ctx) }))
    }
  }

  /** Calendar and cross-office commands see the same context and are refused the same way. */
  private async applyNested(
    tx: KeyspaceTransaction,
    index: Index,
    proposal: OfficeProposal,
    notified: Set<string>,
    run: (nested: KeyspaceTransaction, ctx: CalendarApplyContext) => Promise<OfficeResult>,
  ): Promise<OfficeOutcome> {
    const nested = new KeyspaceTransaction(tx)
    const touched = new Set<string>()
    try {
      const result = await run(nested, { office: this.options.office, atMs: proposal.atMs, index, notifiedUsers: touched })
      nested.mergeInto(tx)
      for (const user of touched) notified.add(user)
      return { ok: true, result }
    } catch (error) {
      if (!(error instanceof CalendarRejectionError)) throw error
      const { rejection } = error
      return rejection.code === 'STALE_VERSION'
        ? { ok: false, code: 'STALE_VERSION', message: rejection.message, currentVersion: rejection.currentVersion }
        : { ok: false, code: rejection.code, message: rejection.message }
    }
  }
}

/**
 * The keys applying these proposals will read first: their client sessions and session blocks, or
 * their request ids (those that may be in the table) and expiry blocks; and KV keys.
 */
function* keysRead(proposals: ReadonlyMap<Index, ReturnType<typeof decodeProposal>>, mayBeApplied: (requestId: string) => boolean): Generator<string> {
  for (const [index, proposal] of proposals) {
    if ('corrupt' in proposal) continue
    if (proposal.session !== undefined) {
      yield sessionKey(proposal.session.client)
      yield sessionBlockKey(index)
    } else {
      if (mayBeApplied(proposal.requestId)) yield appliedRequestKey(proposal.requestId)
      yield expiryBlockKey(index)
    }
    if (proposal.command.kind === 'kv') yield kvStorageKey(proposal.command.command.key)
  }
}
