/**
 * Callers pass the driver a signal that may outlive many requests (the RPC server gives each a
 * client connection's). Every way a wait ends (applied, read served, leadership lost) must take
 * its abort listener off that signal, or a busy connection would collect them.
 */
import { getEventListeners } from 'node:events'
import t from 'tap'
import { DriverCluster } from './driver-cluster.js'
import { encodePut } from './kv-state-machine.js'

t.test('no abort listener is left on a long-lived signal once proposals and reads settle or fail', async (t) => {
  const group = new DriverCluster({ directory: t.testdir(), ids: ['n1', 'n2', 'n3'], snapshotEvery: 1000, seed: 3 })
  t.teardown(() => group.stopAll())
  await group.startAll()
  await group.runUntil('a leader', () => group.leader() !== undefined)
  const leader = group.leader()
  if (leader === undefined) throw new Error('no leader')
  const connection = new AbortController()
  const listeners = () => getEventListeners(connection.signal, 'abort').length

  const waits = [
    ...Array.from({ length: 30 }, (_, i) => leader.driver.propose(encodePut(`k${i}`, 'v'), { signal: connection.signal })),
    ...Array.from({ length: 10 }, () => leader.driver.read({ signal: connection.signal })),
  ]
  t.equal(listeners(), 40, 'one listener per waiting call')
  let settled = 0
  for (const wait of waits) void wait.then(() => settled++)
  await group.runUntil('every call settled', () => settled === waits.length)
  t.equal(listeners(), 0, 'none left after they were applied or served')

  group.isolate(leader.id)
  const stranded = leader.driver.propose(encodePut('lost', 'maybe'), { signal: connection.signal })
  let failed = false
  void stranded.catch(() => (failed = true))
  t.equal(listeners(), 1)
  await group.runUntil('the isolated leader failed its proposal', () => failed)
  t.equal(listeners(), 0, 'none left after leadership was lost')
})
