import t from 'tap'
import fc from 'fast-check'
import { linksInScope, validateTopology, type ChaosTopology, type DirectedLink } from '../../src/chaos/chaos-topology.js'
import {
  blockedLinks,
  planBridge,
  planMajoritiesRing,
  planRandomHalves,
  planSplitOffices,
} from '../../src/chaos/partition-patterns.js'
import { SeededRandom } from '../../src/chaos/seeded-random.js'

// A fixed seed keeps the suite deterministic; change it locally to explore other cases.
fc.configureGlobal({ seed: 20261121 })

const five: ChaosTopology = { offices: [{ id: 'nyc', members: ['a', 'b', 'c', 'd', 'e'] }] }
const twoOffices: ChaosTopology = {
  offices: [
    { id: 'nyc', members: ['n1', 'n2'] },
    { id: 'lon', members: ['l1', 'l2'] },
  ],
}

/** Both directions of each unordered pair, as "from>to" strings, sorted. */
const bothWays = (...pairs: Array<[string, string]>) => pairs.flatMap(([x, y]) => [`${x}>${y}`, `${y}>${x}`]).sort()
const shown = (links: DirectedLink[]) => links.map((link) => `${link.from}>${link.to}`).sort()

t.test('each pattern blocks exactly its pairs, both ways', async (t) => {
  t.same(shown(blockedLinks({ pattern: 'isolate', node: 'c' }, five)), bothWays(['c', 'a'], ['c', 'b'], ['c', 'd'], ['c', 'e']))
  t.same(
    shown(blockedLinks({ pattern: 'random-halves', sides: [['a', 'b'], ['c', 'd', 'e']] }, five)),
    bothWays(['a', 'c'], ['a', 'd'], ['a', 'e'], ['b', 'c'], ['b', 'd'], ['b', 'e']),
  )
  t.same(
    shown(blockedLinks({ pattern: 'majorities-ring', ring: ['a', 'b', 'c', 'd', 'e'] }, five)),
    bothWays(['a', 'c'], ['a', 'd'], ['b', 'd'], ['b', 'e'], ['c', 'e']),
    'on a ring of five, each node reaches only its two neighbours',
  )
  t.same(
    shown(blockedLinks({ pattern: 'bridge', sides: [['a', 'b'], ['d', 'e']], bridge: 'c' }, five)),
    bothWays(['a', 'd'], ['a', 'e'], ['b', 'd'], ['b', 'e']),
  )
  t.same(
    shown(blockedLinks({ pattern: 'split-offices', sides: [['nyc'], ['lon']] }, twoOffices)),
    bothWays(['n1', 'l1'], ['n1', 'l2'], ['n2', 'l1'], ['n2', 'l2']),
  )
  t.same(blockedLinks({ pattern: 'majorities-ring', ring: ['a', 'b', 'c'] }, { offices: [{ id: 'x', members: ['a', 'b', 'c'] }] }), [], 'three nodes on a ring all see each other')
})

t.test('plans naming nodes or offices outside the topology are refused by name', async (t) => {
  t.throws(() => blockedLinks({ pattern: 'isolate', node: 'zz' }, five), /node "zz" is in no office/)
  t.throws(() => blockedLinks({ pattern: 'split-offices', sides: [['nyc'], ['tok']] }, twoOffices), /office "tok" is not in the topology/)
  t.throws(() => validateTopology({ offices: [{ id: 'a', members: ['x'] }, { id: 'b', members: ['x'] }] }), /node "x" is listed twice/)
  t.throws(() => validateTopology({ offices: [{ id: 'a', members: [] }] }), /office "a" has no members/)
})

t.test('link scopes', async (t) => {
  t.same(shown(linksInScope({ kind: 'links-of', node: 'n1' }, twoOffices)), bothWays(['n1', 'n2'], ['n1', 'l1'], ['n1', 'l2']))
  t.same(
    shown(linksInScope({ kind: 'between-offices', offices: ['lon', 'nyc'] }, twoOffices)),
    bothWays(['n1', 'l1'], ['n1', 'l2'], ['n2', 'l1'], ['n2', 'l2']),
  )
  t.equal(linksInScope({ kind: 'all-links' }, twoOffices).length, 12)
})

const nodesArb = fc.integer({ min: 2, max: 11 }).map((n) => Array.from({ length: n }, (_, i) => `n${i}`))
const topologyOf = (nodes: string[]): ChaosTopology => ({ offices: [{ id: 'all', members: nodes }] })
const reachable = (node: string, nodes: string[], blocked: DirectedLink[]) =>
  nodes.filter((other) => !blocked.some((link) => link.from === node && link.to === other))

t.test('property: random halves split every node set into two near-equal, fully cut sides', async (t) => {
  fc.assert(
    fc.property(nodesArb, fc.integer(), (nodes, seed) => {
      const plan = planRandomHalves(nodes, new SeededRandom(seed))
      const [left, right] = plan.sides
      const blocked = blockedLinks(plan, topologyOf(nodes))
      return (
        Math.abs(left.length - right.length) <= 1 &&
        [...left, ...right].sort().join() === [...nodes].sort().join() &&
        blocked.length === 2 * left.length * right.length
      )
    }),
  )
  t.pass()
})

t.test('property: on a majorities ring every node sees a majority, and neighbours see different ones', async (t) => {
  fc.assert(
    fc.property(nodesArb, fc.integer(), (nodes, seed) => {
      const plan = planMajoritiesRing(nodes, new SeededRandom(seed))
      const blocked = blockedLinks(plan, topologyOf(nodes))
      const views = plan.ring.map((node) => reachable(node, nodes, blocked).sort().join())
      const majority = Math.floor(nodes.length / 2) + 1
      const everyoneHasMajority = plan.ring.every((node) => reachable(node, nodes, blocked).length >= majority)
      const neighboursDiffer = nodes.length < 4 || views.every((view, i) => view !== views[(i + 1) % views.length])
      return everyoneHasMajority && neighboursDiffer
    }),
  )
  t.pass()
})

t.test('property: a bridge node reaches everyone; the sides do not reach each other', async (t) => {
  fc.assert(
    fc.property(nodesArb, fc.integer(), (nodes, seed) => {
      const plan = planBridge(nodes, new SeededRandom(seed))
      const blocked = blockedLinks(plan, topologyOf(nodes))
      const [left, right] = plan.sides
      return reachable(plan.bridge, nodes, blocked).length === nodes.length && blocked.length === 2 * left.length * right.length
    }),
  )
  t.pass()
})

t.test('split offices puts whole offices on two non-empty sides', async (t) => {
  const topology: ChaosTopology = { offices: ['nyc', 'lon', 'tok'].map((id) => ({ id, members: [`${id}-1`] })) }
  for (let seed = 0; seed < 20; seed++) {
    const plan = planSplitOffices(topology, new SeededRandom(seed))
    t.ok(plan.sides[0].length > 0 && plan.sides[1].length > 0)
    t.same([...plan.sides[0], ...plan.sides[1]].sort(), ['lon', 'nyc', 'tok'])
  }
})
