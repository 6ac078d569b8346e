/** The cluster config a client command talks to, and clients for its offices. */
import { ClusterClient } from '../src/client/cluster-client.js'
import type { ClusterConfig } from '../src/config/cluster-config-schema.js'
import { findOffice, officeClientUrls } from '../src/config/cluster-topology.js'
import { loadClusterConfig } from '../src/config/load-cluster-config.js'
import type { OfficeMethods } from '../src/office/office-api.js'
import { presentLocalAdminIfNoToken } from './cli-credentials.js'
import { trustConfiguredCa } from './cli-trust.js'

export const DEFAULT_CONFIG_PATH = 'cluster-configs/local.json'

export async function loadConfigForCli(path: string | undefined): Promise<ClusterConfig> {
  const { config, warnings } = await loadClusterConfig(path ?? DEFAULT_CONFIG_PATH)
  for (const warning of warnings) process.stderr.write(`dms: warning: ${warning}\n`)
  await presentLocalAdminIfNoToken(config)
  trustConfiguredCa(config)
  return config
}

/** A client for one office; the first office of the config when none is named. */
export function officeClient(config: ClusterConfig, officeId: string | undefined, callTimeoutMs = 10_000): ClusterClient<OfficeMethods> {
  const office = officeId === undefined ? config.offices[0] : findOffice(config, officeId)
  if (office === undefined) throw new Error('the cluster config lists no office')
  return new ClusterClient<OfficeMethods>({ endpoints: officeClientUrls(config, office.id), callTimeoutMs })
}
