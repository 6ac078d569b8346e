/**
 * Which credential `dms` presents when the config turns client authentication on. In order:
 * DMS_TOKEN, the file named by --token-file / DMS_TOKEN_FILE, and, for the operator of a local or
 * development cluster who can read the cluster secret anyway, the bootstrap admin token derived
 * from it. Whoever can read the secret is an admin already, so this grants nothing new.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
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

/**
 * For `cluster up` with client authentication on: the bootstrap admin token in `<data>/admin.token`
 * (mode 600), so an operator can hand it to `dms --token-file`. Null when authentication is off or
 * there is no secret to derive it from.
 */
export async function writeBootstrapAdminToken(config: ClusterConfig, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  if (!config.security.clientAuth) return null
  const secret = await loadClusterSecret(config.security.peerSecretFile, env)
  if (secret === null) return null
  const file = join(dataDir, 'admin.token')
  await mkdir(dataDir, { recursive: true })
  await writeFile(file, `${rootToken(secret, config.clusterId)}\n`, { mode: 0o600 })
  await chmod(file, 0o600)
  return file
}
