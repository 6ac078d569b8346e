import t, { type Test } from 'tap'
import type { ChaosTopology } from '../../src/chaos/chaos-topology.js'
import { ChaosEventLog } from '../../src/chaos/chaos-event-log.js'
import { ProxyNetwork } from '../../src/chaos/proxy-network.js'
import { SeededRandom } from '../../src/chaos/seeded-random.js'
import { connectLoopbackClient, eventually, pause, startLoopbackTarget, type LoopbackTarget } from './loopback-endpoints.js'

const topology: ChaosTopology = {
  offices: [
    { id: 'nyc', members: ['n1', 'n2'] },
    { id: 'lon', members: ['l1'] },
  ],
}
const clock = { now: () => performance.now() }

async function startNetwork(t: Test, protocol: 'websocket' | 'raw' = 'raw') {
  const targets = new Map<string, LoopbackTarget>()
  for (const node of ['n1', 'n2', 'l1']) targets.set(node, await startLoopbackTarget())
  const log = new ChaosEventLog(clock)
  const network = await ProxyNetwork.start({
    topology,
    peerPorts: Object.fromEntries([...targets].map(([node, target]) => [node, target.port])),
    protocol,
    random: new SeededRandom(3),
    clock,
    log,
  })
  t.teardown(async () => {
    await network.close()
    for (const target of targets.values()) await target.close()
  })
  const target = (node: string) => {
    const found = targets.get(node)
    if (found === undefined) throw new Error(`no target ${node}`)
    return found
  }
  return { network, log, target }
}

const blackholed = (network: ProxyNetwork) =>
  ['n1', 'n2', 'l1'].flatMap((from) =>
    ['n1', 'n2', 'l1'].filter((to) => to !== from && network.shapeOf(from, to).blackhole).map((to) => `${from}>${to}`),
  )

t.test('each node reaches each peer through its own proxy', async (t) => {
  const { network, target } = await startNetwork(t)
  const addresses = network.peerAddressesOf('n1')
  t.same(Object.keys(addresses).sort(), ['l1', 'n2'])
  t.not(addresses.l1?.port, network.addressFor('n2', 'l1').port, 'n1>l1 and n2>l1 are different links')
  const client = await connectLoopbackClient(addresses.l1?.port ?? 0)
  client.socket.write('from n1')
  await eventually(() => target('l1').received() === 'from n1', 'l1 to receive')
  t.throws(() => network.addressFor('n1', 'zz'), /no proxied link from "n1" to "zz"/)
})

t.test('a partition blackholes exactly its links, in both directions, until healed', async (t) => {
  const { network, log, target } = await startNetwork(t)
  network.partition({ pattern: 'isolate', node: 'l1' })
  t.same(blackholed(network), ['n1>l1', 'n2>l1', 'l1>n1', 'l1>n2'])
  const cut = await connectLoopbackClient(network.addressFor('n1', 'l1').port)
  const open = await connectLoopbackClient(network.addressFor('n1', 'n2').port)
  cut.socket.write('lost?')
  open.socket.write('fine')
  await eventually(() => target('n2').received() === 'fine', 'the unpartitioned link to deliver')
  await pause(100)
  t.equal(target('l1').received(), '', 'the partitioned link delivered nothing')
  network.partition({ pattern: 'split-offices', sides: [['nyc'], ['lon']] })
  t.same(blackholed(network), ['n1>l1', 'n2>l1', 'l1>n1', 'l1>n2'], 'a new partition replaces the old one')
  network.heal()
  t.same(blackholed(network), [])
  await eventually(() => target('l1').received() === 'lost?', 'delivery after the heal')
  t.same(
    log.entries().filter((entry) => entry.source === 'network').map((entry) => entry.action),
    ['partition', 'partition', 'heal'],
  )
  const times = log.entries().map((entry) => entry.atMs)
  t.same(times, [...times].sort((a, b) => a - b), 'the log is in time order')
})

t.test('latency matrix and link faults compose per link', async (t) => {
  const { network } = await startNetwork(t)
  network.setLatency([{ offices: ['nyc', 'lon'], delayMs: 35, jitterMs: 5 }])
  t.equal(network.shapeOf('n1', 'l1').delayMs, 35)
  t.equal(network.shapeOf('l1', 'n2').jitterMs, 5)
  t.equal(network.shapeOf('n1', 'n2').delayMs, 0, 'no delay inside an office')
  network.applyLinkFault({ kind: 'links-of', node: 'n2' }, { kind: 'delay', delayMs: 10, jitterMs: 0 })
  t.equal(network.shapeOf('n2', 'l1').delayMs, 45, 'a delay fault adds to the baseline')
  t.equal(network.shapeOf('n1', 'n2').delayMs, 10)
  t.equal(network.shapeOf('n1', 'l1').delayMs, 35, 'links out of scope are untouched')
  network.applyLinkFault({ kind: 'all-links' }, { kind: 'bandwidth', bytesPerSecond: 50_000 })
  t.equal(network.shapeOf('n1', 'l1').bytesPerSecond, 50_000)
  network.clearLinkFault('delay')
  network.clearLinkFault('bandwidth')
  t.same(network.shapeOf('n2', 'l1'), { blackhole: false, delayMs: 35, jitterMs: 5, bytesPerSecond: null, duplicateProbability: 0 })
})

t.test('bad requests are refused by name and change nothing', async (t) => {
  const { network } = await startNetwork(t)
  t.throws(
    () => network.applyLinkFault({ kind: 'all-links' }, { kind: 'duplicate', probability: 0.5 }),
    /duplication needs protocol "websocket"/,
  )
  t.equal(network.shapeOf('n1', 'l1').duplicateProbability, 0)
  t.throws(() => network.setLatency([{ offices: ['nyc', 'lon'], delayMs: -5 }]), /delayMs must be a non-negative number, got -5/)
  t.equal(network.shapeOf('n1', 'l1').delayMs, 0)
  t.throws(() => network.setLatency([{ offices: ['nyc', 'tok'], delayMs: 5 }]), /office "tok" is not in the topology/)
  t.throws(() => network.partition({ pattern: 'isolate', node: 'x9' }), /node "x9" is in no office/)
  t.throws(() => network.resetConnections('x9'), /node "x9" is in no office/)
})

t.test('resetting a node drops only its connections', async (t) => {
  const { network, target } = await startNetwork(t)
  const toL1 = await connectLoopbackClient(network.addressFor('n1', 'l1').port)
  const toN2 = await connectLoopbackClient(network.addressFor('n1', 'n2').port)
  await eventually(() => target('l1').connections.length === 1 && target('n2').connections.length === 1, 'both upstreams')
  network.resetConnections('l1')
  await toL1.closed
  toN2.socket.write('still here')
  await eventually(() => target('n2').received() === 'still here', 'the other link to keep working')
})

t.test('a network whose node has no port is refused and leaves nothing listening', async (t) => {
  const log = new ChaosEventLog(clock)
  await t.rejects(
    ProxyNetwork.start({ topology, peerPorts: { n1: 1, n2: 2 }, protocol: 'raw', random: new SeededRandom(1), clock, log }),
    /no peer port given for node "l1"/,
  )
  const listened = log.entries().filter((entry) => entry.action === 'listen').length
  t.equal(log.entries().filter((entry) => entry.action === 'close').length, listened, 'every proxy opened was closed')
})

t.test('a replica joining gets its own proxied links under the baseline latency; one leaving loses them', async (t) => {
  const { network, log } = await startNetwork(t)
  const joiner = await startLoopbackTarget()
  t.teardown(() => joiner.close())
  network.setLatency([{ offices: ['nyc', 'lon'], delayMs: 35 }])
  await network.addNode('n3', 'nyc', joiner.port)
  t.same(Object.keys(network.peerAddressesOf('n3')).sort(), ['l1', 'n1', 'n2'])
  t.equal(network.shapeOf('l1', 'n3').delayMs, 35, 'the latency matrix reaches the new links')
  t.equal(network.shapeOf('n1', 'n3').delayMs, 0)
  const client = await connectLoopbackClient(network.addressFor('n1', 'n3').port)
  client.socket.write('to the joiner')
  await eventually(() => joiner.received() === 'to the joiner', 'n3 to receive through n1>n3')
  network.partition({ pattern: 'isolate', node: 'n3' })
  t.ok(network.shapeOf('n3', 'l1').blackhole && network.shapeOf('n2', 'n3').blackhole, 'partitions reach the new node')
  network.heal()
  await t.rejects(network.addNode('n4', 'tok', joiner.port), /office "tok" is not in the topology/)

  await network.removeNode('n1')
  await client.closed
  t.throws(() => network.addressFor('n2', 'n1'), /no proxied link from "n2" to "n1"/)
  t.same(Object.keys(network.peerAddressesOf('n3')).sort(), ['l1', 'n2'])
  t.same(
    log.entries().filter((entry) => entry.source === 'network' && entry.action.startsWith('node-')).map((entry) => entry.action),
    ['node-added', 'node-removed'],
  )
})
