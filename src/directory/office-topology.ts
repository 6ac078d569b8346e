/**
 * Which offices exist and where their replicas listen, as a running node sees it: the offices of
 * its config file plus those added while it runs (replicated in its office's directory). Kept in
 * memory and refreshed from the applied keyspace, so lookups on the request path cost nothing.
 */
import type { ClusterConfig, OfficeConfig } from '../config/cluster-config-schema.js'
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import { clientTargetsOf } from '../config/cluster-topology.js'
import { addedOffices } from './directory-store.js'

export class OfficeTopology {
  private offices: ReadonlyMap<string, OfficeConfig>

  constructor(private readonly config: ClusterConfig) {
    this.offices = new Map(config.offices.map((office) => [office.id, office]))
  }

  /** Picks up offices added through the directory (the config file's own entries stay as they are). */
  async refresh(store: KeyspaceReader): Promise<void> {
    const merged = new Map(this.config.offices.map((office) => [office.id, office]))
    for (const office of await addedOffices(store)) if (!merged.has(office.id)) merged.set(office.id, office)
    this.offices = merged
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

  /** How to reach an office's replicas (clientTargetsOf); an unknown office is an error naming it. */
  clientTargets(officeId: string): { endpoints: string[]; replicaUrls: Map<string, string> } {
    const office = this.offices.get(officeId)
    if (office === undefined) throw new Error(`unknown office "${officeId}"; known offices: ${this.officeIds().join(', ')}`)
    return clientTargetsOf(office, this.config.security.tls !== null)
  }
}
