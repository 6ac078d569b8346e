/**
 * Keeps this replica's routes to the other offices current. Every period it asks each other
 * office (whichever replica answers) where its members serve clients, and records the answer in
 * the topology, which every client to that office consults at the start of each call. Without
 * it a replica knew only its config file's addresses and those NOT_LEADER redirects showed it:
 * once an office had replaced all its original replicas at new addresses, the other offices
 * lost their way to it and their coordinators' decisions stayed undelivered (chaos seed 42).
 */
import { z } from 'zod'
import type { ClusterClient } from '../client/cluster-client.js'
import type { OfficeTopology } from '../directory/office-topology.js'
import type { OfficeMethods } from '../office/office-api.js'
import { warnSampled, type RpcLogger } from '../rpc/rpc-logger.js'

/** How often the routes are asked for: an office replacing a replica takes seconds at least. */
export const ROUTE_REFRESH_MS = 2000
const CALL_TIMEOUT_MS = 1500

/** Another office's answer is a peer's bytes: checked before a URL in it is ever dialled. */
const reportedMembers = z
  .array(
    z.strictObject({
      id: z.string().regex(/^[a-z][a-z0-9-]{0,63}$/),
      clientUrl: z.string().max(300).regex(/^wss?:\/\/[^\s/]+\/client$/),
    }),
  )
  .max(64)

export interface OfficeRoutesDeps {
  readonly officeId: string
  readonly topology: OfficeTopology
  readonly office: (officeId: string) => ClusterClient<Pick<OfficeMethods, 'replica.status'>>
  readonly intervalMs: number
  readonly logger: RpcLogger
}

export class OfficeRoutes {
  private timer: NodeJS.Timeout | null = null
  private passing: Promise<void> | null = null
  private failures = 0

  constructor(private readonly deps: OfficeRoutesDeps) {}

  start(): void {
    this.timer = setInterval(() => {
      this.passing ??= this.pass().finally(() => (this.passing = null))
    }, this.deps.intervalMs)
    this.timer.unref()
  }

  /** Stops the timer and waits for a pass under way. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    await this.passing
  }

  private async pass(): Promise<void> {
    const others = this.deps.topology.officeIds().filter((id) => id !== this.deps.officeId)
    await Promise.all(
      others.map((officeId) =>
        this.refresh(officeId).catch((error: Error) => {
          warnSampled(this.deps.logger, 'could not ask an office where its replicas are; the next pass retries', ++this.failures, { office: officeId, error: error.message })
        }),
      ),
    )
  }

  private async refresh(officeId: string): Promise<void> {
    const status = await this.deps.office(officeId).call('replica.status', {}, { timeoutMs: CALL_TIMEOUT_MS })
    if (status.office !== officeId) throw new Error(`a replica of office ${status.office} answered for office ${officeId}`)
    const members = reportedMembers.safeParse(status.members)
    if (!members.success) throw new Error(`its member list is malformed: ${members.error.issues[0]?.message ?? 'invalid'}`)
    if (members.data.length === 0) return
    this.deps.topology.learnMembers(officeId, new Map(members.data.map((m) => [m.id, m.clientUrl])))
  }
}
