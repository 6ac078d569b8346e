/**
 * Which credential `dms` presents when the config turns client authentication on. In order:
 * DMS_TOKEN, the file named by --token-file / DMS_TOKEN_FILE, and, for the operator of a local or
 * development cluster who can read the cluster secret anyway, the bootstrap admin token derived
 * from it. Whoever can read the secret is an admin already, so this grants nothing new.
 */
import { TOKEN_ENV, TOKEN_FILE_ENV } from '../src/client/client-authorization.js'
import type { ClusterConfig } from '../src/config/cluster-config-schema.js'
import { rootToken } from '../src/security/client-credentials.js'
import { loadClusterSecret } from '../src/security/cluster-secret.js'

export async function presentLocalAdminIfNoToken(config: ClusterConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (!config.security.clientAuth) return
  if ((env[TOKEN_ENV] ?? '') !== '' || (env[TOKEN_FILE_ENV] ?? '') !== '') return
  let secret
  try {
    secret = await loadClusterSecret(config.security.peerSecretFile, env)
  } catch {
    // Not this machine's secret to read: the replicas will say the credential is missing.
    return
  }
  if (secret !== null) env[TOKEN_ENV] = rootToken(secret, config.clusterId)
}
