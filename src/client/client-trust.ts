/**
 * Which certificate authority a client trusts for wss:// when its code names none: the PEM file
 * named by DMS_CA_FILE (what `dms` sets from the config's security.tls.caFile), else the system's
 * roots. A development cluster's self-signed CA (`dms dev-cert`) is only trusted this way.
 */
import { readFileSync } from 'node:fs'

export const CA_FILE_ENV = 'DMS_CA_FILE'

const cache = new Map<string, Buffer>()

export function caFromEnvironment(env: NodeJS.ProcessEnv = process.env): Buffer | null {
  const file = env[CA_FILE_ENV]
  if (file === undefined || file === '') return null
  let pem = cache.get(file)
  if (pem === undefined) {
    try {
      pem = readFileSync(file)
    } catch (err) {
      throw new Error(`${file}: cannot read the CA file (${CA_FILE_ENV}): ${err instanceof Error ? err.message : String(err)}`)
    }
    cache.set(file, pem)
  }
  return pem
}
