/**
 * One office of one replica, in this process, with peer and client authentication on: what the
 * security tests attack. The cluster secret is a 0600 file in a temp directory; `client()` makes a
 * client that presents whatever Authorization header the test chooses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { ClusterClient, type MethodMap } from '../../src/client/cluster-client.js'
import { freeLoopbackPort } from '../../src/cluster/ephemeral-cluster.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import type { EventLogger } from '../../src/logging/event-logger.js'
import { OfficeReplica } from '../../src/node/office-replica.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { rootToken } from '../../src/security/client-credentials.js'
import { ClusterSecret } from '../../src/security/cluster-secret.js'
import type { TokenMethods } from '../../src/security/token-records.js'
import { nycOffice } from './nyc-office.js'

export const SECRET_TEXT = 'f'.repeat(64)
export const CLUSTER_ID = 'secure-test'

export interface SecuredOffice {
  readonly node: OfficeReplica
  readonly url: string
  readonly dataDir: string
  readonly secret: ClusterSecret
  readonly rootAuthorization: string
  /** Every warning the replica logged, as "message fields-json". */
  readonly warnings: string[]
  /** Every line the replica logged, at any level. */
  readonly logLines: string[]
  /** The cluster config, as a file the `dms` CLI can be pointed at. */
  readonly configFile: string
  client(authorization: string | null): ClusterClient<OfficeMethods & TokenMethods & MethodMap>
  /** Stops the replica (once; teardown calls it too), e.g. to read its data directory. */
  stop(): Promise<void>
}

export async function startSecuredOffice(t: Test, options: { clientAuth?: boolean } = {}): Promise<SecuredOffice> {
  const dataDir = await mkdtemp(join(tmpdir(), 'dms-secure-'))
  const secretFile = join(dataDir, 'cluster.secret')
  await writeFile(secretFile, SECRET_TEXT, { mode: 0o600 })
  const port = await freeLoopbackPort()
  const raw = {
    clusterId: CLUSTER_ID,
    timing: { tickMs: 10, electionTicks: 5, heartbeatTicks: 1 },
    security: { peerSecretFile: secretFile, clientAuth: options.clientAuth ?? true },
    offices: [nycOffice([{ id: 'nyc-1', host: '127.0.0.1', port }])],
  }
  const configFile = join(dataDir, 'cluster.json')
  await writeFile(configFile, JSON.stringify(raw))
  const { config } = parseClusterConfig(raw, 'secured-office')
  const warnings: string[] = []
  const logLines: string[] = []
  const node = await OfficeReplica.start({ config, nodeId: 'nyc-1', dataDir, logger: recordingLogger(warnings, logLines) })
  const clients: Array<ClusterClient<MethodMap>> = []
  let stopped: Promise<void> | null = null
  const stop = (): Promise<void> => {
    for (const client of clients) client.close()
    stopped ??= node.stop()
    return stopped
  }
  t.teardown(async () => {
    await stop()
    await rm(dataDir, { recursive: true, force: true })
  })
  const secret = ClusterSecret.fromText(SECRET_TEXT, 'test')
  const url = `ws://127.0.0.1:${port}/client`
  const office: SecuredOffice = {
    node,
    url,
    dataDir,
    secret,
    rootAuthorization: `Bearer ${rootToken(secret, CLUSTER_ID)}`,
    warnings,
    logLines,
    configFile,
    stop,
    client: (authorization) => {
      const client = new ClusterClient<OfficeMethods & TokenMethods & MethodMap>({ endpoints: [url], callTimeoutMs: 5000, authorization: () => authorization })
      clients.push(client)
      return client
    },
  }
  await office.client(office.rootAuthorization).call('replica.status', {}, { timeoutMs: 10_000 })
  return office
}

function recordingLogger(warnings: string[], lines: string[]): EventLogger {
  const line = (message: string, fields: object | undefined): string => {
    const text = `${message} ${JSON.stringify(fields ?? {})}`
    lines.push(text)
    return text
  }
  const logger: EventLogger = {
    debug: (message, fields) => void line(message, fields),
    info: (message, fields) => void line(message, fields),
    warn: (message, fields) => warnings.push(line(message, fields)),
    error: (message, fields) => warnings.push(line(message, fields)),
    child: () => logger,
  }
  return logger
}
