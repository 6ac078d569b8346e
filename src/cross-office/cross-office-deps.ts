/** What the coordinator and the participant's inquiry need from the replica they run in. */
import type { ClusterClient } from '../client/cluster-client.js'
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import type { RpcLogger } from '../rpc/rpc-logger.js'
import type { CrossOfficeMethods } from './xoffice-api.js'
import type { XofficeCommand, XofficeResult } from './xoffice-command.js'

/** The part of a ClusterClient the protocol uses: calls with stable request ids and timeouts. */
export type CrossOfficeCaller = Pick<ClusterClient<CrossOfficeMethods>, 'call'>

export interface CrossOfficeTiming {
  /** How long the coordinator waits for one office's vote before deciding abort. */
  readonly prepareTimeoutMs: number
  /** How long a hold blocks time before its office asks the coordinator for the outcome. */
  readonly leaseMs: number
  /** How often the leader re-drives open transactions and checks holds near their lease end. */
  readonly passIntervalMs: number
  /** Attempts of one booking that lose only to other transactions' holds (no-wait, then retry). */
  readonly holdConflictAttempts: number
}

export const DEFAULT_CROSS_OFFICE_TIMING: CrossOfficeTiming = { prepareTimeoutMs: 3000, leaseMs: 10_000, passIntervalMs: 500, holdConflictAttempts: 5 }

export interface CrossOfficeDeps {
  readonly officeId: string
  readonly offices: readonly string[]
  /** The replica's applied keyspace (what a read after the barrier sees). */
  readonly store: KeyspaceReader
  /** Proposes through this office's Raft log; rejects with NOT_LEADER when this replica does not lead. */
  readonly propose: (command: XofficeCommand, requestId: string, signal: AbortSignal) => Promise<XofficeResult>
  /** The term this replica leads its office in, or null when it does not lead. */
  readonly leaderTerm: () => number | null
  /** A client for the cross-office methods of an office's Raft group (this office's included). */
  readonly office: (officeId: string) => CrossOfficeCaller
  readonly timing: CrossOfficeTiming
  readonly now: () => number
  /** Uniform in [0, 1): the jitter between attempts that lost to another transaction's hold. */
  readonly random: () => number
  readonly logger: RpcLogger
  /** TEST-ONLY (chaos harness, see src/node/chaos-test-hooks.ts): runs once a decision is durable, before it is delivered. */
  readonly afterDecision?: (txId: string) => void
}
