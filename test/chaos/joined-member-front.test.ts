/**
 * The joined member's front: a connection is relayed, bytes both ways, to the port `routeFor`
 * picks before anything is read; and `loopbackDialer` tells which local process dialed (this test
 * process dials, so it is found among the candidates, and not found when it is not one of them).
 */
import t from 'tap'
import { ChaosEventLog } from '../../src/chaos/chaos-event-log.js'
import { JoinedMemberFront } from '../../src/chaos/joined-member-front.js'
import { loopbackDialer } from '../../src/chaos/loopback-socket-owner.js'
import { connectLoopbackClient, eventually, startLoopbackTarget } from './loopback-endpoints.js'

const log = new ChaosEventLog({ now: () => performance.now() })
const linux = process.platform === 'linux'

t.test('each connection goes where routeFor sends it, chosen by who dialed', { skip: linux ? false : 'finding the dialing process reads Linux /proc' }, async (t) => {
  const mine = await startLoopbackTarget()
  const others = await startLoopbackTarget()
  const candidates: number[][] = [[process.pid + 1_000_000, process.pid], [process.pid + 1_000_000]]
  const seen: Array<number | null> = []
  const front = await JoinedMemberFront.start({
    name: 'front>test',
    log,
    routeFor: async (connection) => {
      const pid = await loopbackDialer(connection, candidates[seen.length] ?? [])
      seen.push(pid)
      return pid === process.pid ? mine.port : others.port
    },
  })
  t.teardown(async () => {
    await front.close()
    await mine.close()
    await others.close()
  })

  const first = await connectLoopbackClient(front.port)
  first.socket.write('from-this-process')
  await eventually(() => mine.received() === 'from-this-process', 'the first connection to reach the dialer-chosen target')
  mine.connections[0]?.write('answer')
  await eventually(() => first.received() === 'answer', 'the answer to come back through the front')

  const second = await connectLoopbackClient(front.port)
  second.socket.write('unknown-dialer')
  await eventually(() => others.received() === 'unknown-dialer', 'the second connection to reach the fallback target')
  t.same(seen, [process.pid, null], 'this process is found when it is a candidate, and only then')
  first.socket.destroy()
  second.socket.destroy()
  await first.closed
  await second.closed
})

t.test('a route that fails closes the connection', async (t) => {
  const front = await JoinedMemberFront.start({ name: 'front>none', log, routeFor: () => Promise.reject(new Error('no route')) })
  t.teardown(() => front.close())
  const client = await connectLoopbackClient(front.port)
  await client.closed
  t.equal(client.received(), '', 'nothing was relayed')
})
