/**
 * Routes between offices follow replacements: replicas of two offices in this process on real
 * sockets. London replaces its only replica by one at an address no config file of New York
 * names; New York still reaches London (its directory publication lands there), because it
 * learned London's members from London itself (OfficeRoutes), not only from its config.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { freeLoopbackPort } from '../../src/cluster/ephemeral-cluster.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import { createEventLogger } from '../../src/logging/event-logger.js'
import { OfficeReplica } from '../../src/node/office-replica.js'
import { OfficeRoutes, ROUTE_REFRESH_MS } from '../../src/node/office-routes.js'
import { OfficeTopology } from '../../src/directory/office-topology.js'
import type { OfficeMethods } from '../../src/office/office-api.js'
import { pollUntil } from '../directory/poll-until.js'
import { nycOffice } from '../security/nyc-office.js'
import { changeMembership } from '../../src/client/membership-refusals.js'

type Replica = { readonly id: string; readonly host: string; readonly port: number }
const at = (id: string, port: number): Replica => ({ id, host: '127.0.0.1', port })

t.test("an office that replaced all its replicas at new addresses stays reachable from the others", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dms-office-routes-'))
  const ports = { nyc1: await freeLoopbackPort(), lon1: await freeLoopbackPort(), lon2: await freeLoopbackPort() }
  const config = (lonReplicas: Replica[]) =>
    parseClusterConfig(
      {
        clusterId: 'routes-test',
        timing: { tickMs: 10, electionTicks: 5, heartbeatTicks: 1 },
        offices: [nycOffice([at('nyc-1', ports.nyc1)]), { ...nycOffice(lonReplicas), id: 'lon', name: 'London', timeZone: 'Europe/London' }],
      },
      'routes-test.json',
    ).config
  // New York's config, and the first London replica's, name lon-1 only.
  const original = config([at('lon-1', ports.lon1)])
  const logger = createEventLogger({ level: 'error', bindings: {} })
  const nodes: OfficeReplica[] = []
  const clients: Array<ClusterClient<OfficeMethods>> = []
  t.teardown(async () => {
    for (const client of clients) client.close()
    for (const node of nodes) await node.stop()
    await rm(dir, { recursive: true, force: true })
  })
  const start = async (nodeId: string, cfg = original, join = false): Promise<OfficeReplica> => {
    const node = await OfficeReplica.start({ config: cfg, nodeId, dataDir: dir, logger, crossOffice: { passIntervalMs: 200 }, join })
    nodes.push(node)
    return node
  }
  const client = (port: number) => {
    const made = new ClusterClient<OfficeMethods>({ endpoints: [`ws://127.0.0.1:${port}/client`], callTimeoutMs: 5000 })
    clients.push(made)
    return made
  }
  const statusAt = (port: number) => client(port).call('replica.status', {})

  await start('nyc-1')
  const lon1 = await start('lon-1')
  await pollUntil(() => statusAt(ports.lon1), (s) => s.role === 'leader', 'lon-1 leads London')
  // lon-2 joins at an address only its own config names, then lon-1 leaves.
  await start('lon-2', config([at('lon-1', ports.lon1), at('lon-2', ports.lon2)]), true)
  // Under load the change can outlast one attempt: the client's retry then finds it in place.
  await changeMembership(client(ports.lon1), 'addVoter', 'lon-2', { host: '127.0.0.1', port: ports.lon2 })
  const reported = await pollUntil(() => statusAt(ports.lon1), (s) => s.members.some((m) => m.id === 'lon-2'), 'lon-1 reports lon-2 as a member')
  t.ok(reported.members.some((m) => m.id === 'lon-2' && m.clientUrl === `ws://127.0.0.1:${ports.lon2}/client`), 'replica.status names each member with its client URL')
  // Long enough for New York to ask London where its members are at least twice.
  await new Promise((resolve) => setTimeout(resolve, 2.5 * ROUTE_REFRESH_MS))
  await changeMembership(client(ports.lon1), 'removeNode', 'lon-1')
  await lon1.stop()
  nodes.splice(nodes.indexOf(lon1), 1)
  await pollUntil(() => statusAt(ports.lon2), (s) => s.role === 'leader' && s.voters.join() === 'lon-2', 'lon-2 alone leads London')

  // New York publishes a person it adds to every office's directory: London must get it at lon-2.
  await client(ports.nyc1).call('user.add', { id: 'alice', office: 'nyc' })
  const seen = await pollUntil(
    () => client(ports.lon2).call('directory.lookup', { users: ['alice'] }),
    (answer) => answer.users[0]?.office === 'nyc',
    "London's directory entry for alice",
  )
  t.equal(seen.users[0]?.office, 'nyc', 'New York reached London at an address its config never named')
})

t.test("another office's member list is checked before a URL in it is dialled; a good one joins the config's addresses", async (t) => {
  const ports = { nyc1: 7001, lon1: 7002 }
  const config = parseClusterConfig(
    { clusterId: 'routes-unit', offices: [nycOffice([at('nyc-1', ports.nyc1)]), { ...nycOffice([at('lon-1', ports.lon1)]), id: 'lon', name: 'London', timeZone: 'Europe/London' }] },
    'routes-unit.json',
  ).config
  const topology = new OfficeTopology(config)
  const warnings: string[] = []
  const logger = { info: () => {}, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push(`${message} ${JSON.stringify(fields)}`), error: () => {}, debug: () => {} }
  let answer: unknown = null
  const routes = new OfficeRoutes({
    officeId: 'nyc',
    topology,
    office: () => ({ call: async () => answer }) as unknown as ClusterClient<Pick<OfficeMethods, 'replica.status'>>,
    intervalMs: 5,
    logger,
  })
  const passes = async (): Promise<void> => {
    routes.start()
    await new Promise((resolve) => setTimeout(resolve, 40))
    await routes.stop()
  }
  const configured = topology.clientTargets('lon')
  for (const bad of [
    { office: 'lon', members: [{ id: 'lon-2', clientUrl: 'http://evil.example/client' }] },
    { office: 'lon', members: [{ id: 'LON 2', clientUrl: 'ws://127.0.0.1:7003/client' }] },
    { office: 'lon', members: 'everyone' },
    { office: 'tok', members: [{ id: 'lon-2', clientUrl: 'ws://127.0.0.1:7003/client' }] },
    'not a status',
  ]) {
    answer = bad
    await passes()
    t.equal(topology.clientTargets('lon'), configured, `nothing learned from ${JSON.stringify(bad)}`)
  }
  t.ok(warnings.length > 0 && warnings.every((w) => w.includes('could not ask an office where its replicas are')), 'each refusal is logged, none crashes the pass')

  answer = { office: 'lon', members: [{ id: 'lon-1', clientUrl: 'ws://127.0.0.1:7009/client' }, { id: 'lon-2', clientUrl: 'ws://127.0.0.1:7003/client' }] }
  await passes()
  const learned = topology.clientTargets('lon')
  t.same(learned.endpoints, [`ws://127.0.0.1:${ports.lon1}/client`, 'ws://127.0.0.1:7003/client'], 'the config file first, then reported members it does not name')
  t.equal(learned.replicaUrls.get('lon-2'), 'ws://127.0.0.1:7003/client')
  t.equal(learned.replicaUrls.get('lon-1'), `ws://127.0.0.1:${ports.lon1}/client`, "for a replica the config names, the config's route wins")
  await passes()
  t.equal(topology.clientTargets('lon'), learned, 'the same report again changes nothing (clients see the same object)')
})
