/** Makes every client connection of this `dms` process trust the CA the config names for wss://. */
import { CA_FILE_ENV } from '../src/client/client-trust.js'
import type { ClusterConfig } from '../src/config/cluster-config-schema.js'

export function trustConfiguredCa(config: ClusterConfig, env: NodeJS.ProcessEnv = process.env): void {
  const caFile = config.security.tls?.caFile
  if (caFile !== undefined && (env[CA_FILE_ENV] ?? '') === '') env[CA_FILE_ENV] = caFile
}
