/**
 * The PEM files named by security.tls, read once at startup with errors that name the file and
 * the config field. The CA (caFile) is what dialers verify replicas against; without it, the
 * system's trusted roots are used.
 */
import { readFile } from 'node:fs/promises'
import type { ClusterConfig } from '../config/cluster-config-schema.js'

export interface TlsMaterial {
  readonly cert: Buffer
  readonly key: Buffer
  /** null: verify against the system's trusted roots. */
  readonly ca: Buffer | null
}

export async function loadTlsMaterial(tls: ClusterConfig['security']['tls']): Promise<TlsMaterial | null> {
  if (tls === null) return null
  const [cert, key, ca] = await Promise.all([
    readPem(tls.certFile, 'security.tls.certFile'),
    readPem(tls.keyFile, 'security.tls.keyFile'),
    tls.caFile === undefined ? null : readPem(tls.caFile, 'security.tls.caFile'),
  ])
  return { cert, key, ca }
}

export async function readPem(file: string, field: string): Promise<Buffer> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : err instanceof Error ? err.message : String(err)
    throw new Error(`${field}: cannot read ${file}: ${reason} (make a development set with \`dms dev-cert\`)`)
  }
  if (!bytes.includes('-----BEGIN ')) throw new Error(`${field}: ${file} is not a PEM file`)
  return bytes
}
