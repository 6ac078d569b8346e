/**
 * Which offices exist and where their replicas listen, as a running node sees it: the offices of
 * its config file plus those added while it runs (replicated in its office's directory). Kept in
 * memory and refreshed from the applied keyspace, so lookups on the request path cost nothing.
 */
import type { ClusterConfig, OfficeConfig } from '../config/cluster-config-schema.js'
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import { clientTargetsOf } from '../config/cluster-topology.js'
import { addedOffices } from './directory-store.js'

/** How to reach one office: its replicas' /client URLs, and each by replica id. */
export interface OfficeTargets {
  readonly endpoints: readonly string[]
  readonly replicaUrls: ReadonlyMap<string, string>
}

export class OfficeTopology {
  private offices: ReadonlyMap<string, OfficeConfig>
  /** Per office, the members its replicas last reported (id -> /client URL). */
  private readonly learned = new Map<string, ReadonlyMap<string, string>>()
  /** clientTargets' answers, made again only when what they are made of changes. */
  private readonly targets = new Map<string, OfficeTargets>()

  constructor(private readonly config: ClusterConfig) {
    this.offices = new Map(config.offices.map((office) => [office.id, office]))
  }

  /** Picks up offices added through the directory (the config file's own entries stay as they are). */
  async refresh(store: KeyspaceReader): Promise<void> {
    const merged = new Map(this.config.offices.map((office) => [office.id, office]))
    for (const office of await addedOffices(store)) if (!merged.has(office.id)) merged.set(office.id, office)
    this.offices = merged
    this.targets.clear()
  }

  /**
   * Records where an office's current members serve clients, as one of its replicas reported them:
   * an office whose replicas were all replaced at new addresses stays reachable, though no config
   * file names them.
   */
  learnMembers(officeId: string, members: ReadonlyMap<string, string>): void {
    const known = this.learned.get(officeId)
    if (known !== undefined && known.size === members.size && [...members].every(([id, url]) => known.get(id) === url)) return
    this.learned.set(officeId, new Map(members))
    this.targets.delete(officeId)
  }

  officeIds(): string[] {
    return [...this.offices.keys()]
  }

  all(): OfficeConfig[] {
    return [...this.offices.values()]
  }

  has(officeId: string): boolean {
    return this.offices.has(officeId)
  }

  /**
   * How to reach an office's replicas: those in the config (clientTargetsOf), then the members it
   * reported that the config does not name. For a replica the config names, its address there wins:
   * that is how this node routes to it (through a proxy, a NAT, the chaos harness's fault proxies),
   * while the office reports the address its own replicas use. The same object until either
   * changes. An unknown office is an error naming it.
   */
  clientTargets(officeId: string): OfficeTargets {
    const cached = this.targets.get(officeId)
    if (cached !== undefined) return cached
    const office = this.offices.get(officeId)
    if (office === undefined) throw new Error(`unknown office "${officeId}"; known offices: ${this.officeIds().join(', ')}`)
    const configured = clientTargetsOf(office, this.config.security.tls !== null)
    const learnedOnly = [...(this.learned.get(officeId) ?? [])].filter(([id]) => !configured.replicaUrls.has(id))
    const made: OfficeTargets = {
      endpoints: [...new Set([...configured.endpoints, ...learnedOnly.map(([, url]) => url)])],
      replicaUrls: new Map([...learnedOnly, ...configured.replicaUrls]),
    }
    this.targets.set(officeId, made)
    return made
  }
}
