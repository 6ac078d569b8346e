/**
 * A self-signed certificate authority and one replica certificate signed by it, for development
 * and tests: node:crypto cannot write X.509 certificates, so this drives the openssl command line.
 * The replica certificate names every host the cluster's replicas listen on (plus localhost and
 * 127.0.0.1), so one set serves all replicas of a local cluster.
 */
import { execFile } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { isIP } from 'node:net'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface DevCertificateFiles {
  readonly caFile: string
  readonly certFile: string
  readonly keyFile: string
}

export async function makeDevCertificates(directory: string, hosts: readonly string[], days = 365): Promise<DevCertificateFiles> {
  await mkdir(directory, { recursive: true, mode: 0o700 })
  const file = (name: string): string => join(directory, name)
  const names = [...new Set(['localhost', '127.0.0.1', ...hosts])]
  const altNames = names.map((host) => `${isIP(host) === 0 ? 'DNS' : 'IP'}:${host}`).join(',')
  await writeFile(file('replica.ext'), `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth,clientAuth\n`)
  const openssl = async (args: readonly string[]): Promise<void> => {
    try {
      await run('openssl', args, { cwd: directory })
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr ?? ''
      throw new Error(`openssl ${args[0] ?? ''} failed: ${stderr.trim() || (err instanceof Error ? err.message : String(err))} (is the openssl command installed?)`)
    }
  }
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  await openssl(['req', '-x509', ...ec, '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', String(days), '-subj', '/CN=dms development CA'])
  await openssl(['req', ...ec, '-keyout', 'replica-key.pem', '-out', 'replica.csr', '-subj', '/CN=dms replica'])
  await openssl(['x509', '-req', '-in', 'replica.csr', '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', 'replica.pem', '-days', String(days), '-extfile', 'replica.ext'])
  return { caFile: file('ca.pem'), certFile: file('replica.pem'), keyFile: file('replica-key.pem') }
}
