/**
 * Reads and validates a cluster config file. Every error names the file and the field, e.g.
 * `cluster-configs/bad.json: offices[1].replicas[0].port: expected an integer 1-65535`. Settings that
 * are valid but risky (replicas off loopback) come back as warnings for the caller to show.
 */
import { readFile } from 'node:fs/promises'
import { explainFailure } from '../rpc/schema-issues.js'
import { clusterConfigSchema, isLoopbackHost, type ClusterConfig } from './cluster-config-schema.js'

export class ConfigError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConfigError'
  }
}

export interface LoadedClusterConfig {
  readonly config: ClusterConfig
  readonly warnings: readonly string[]
}

export async function loadClusterConfig(path: string): Promise<LoadedClusterConfig> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)
    throw new ConfigError(`${path}: cannot read cluster config: ${reason}`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  return parseClusterConfig(json, path)
}

/** `source` names where the value came from, for the error messages. */
export function parseClusterConfig(value: unknown, source: string): LoadedClusterConfig {
  const parsed = clusterConfigSchema.safeParse(value)
  if (!parsed.success) throw new ConfigError(`${source}: ${explainFailure(clusterConfigSchema, value, '', 5)}`)
  return { config: parsed.data, warnings: warningsFor(parsed.data, source) }
}

function warningsFor(config: ClusterConfig, source: string): string[] {
  const warnings: string[] = []
  const tls = config.security.tls !== null
  config.offices.forEach((office, i) => {
    office.replicas.forEach((replica, j) => {
      if (isLoopbackHost(replica.host)) return
      const where = `${source}: offices[${i}].replicas[${j}].host`
      if (!tls && !config.security.allowNonLoopback) {
        warnings.push(`${where}: "${replica.host}" is not a loopback address and TLS is off; set security.tls, or security.allowNonLoopback to accept plain ws://`)
      } else {
        warnings.push(`${where}: "${replica.host}" is not a loopback address; replicas will talk over the network`)
      }
    })
  })
  if (config.security.peerSecretFile === null && warnings.length > 0) {
    warnings.push(`${source}: security.peerSecretFile is not set: any process that can reach a replica's port can act as a peer`)
  }
  return warnings
}
