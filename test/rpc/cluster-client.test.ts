import t, { type Test } from 'tap'
import { z } from 'zod'
import { ClusterClient } from '../../src/client/cluster-client.js'
import { RpcConnection } from '../../src/client/rpc-connection.js'
import { parseClusterConfig } from '../../src/config/load-cluster-config.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { silentLogger } from '../../src/rpc/rpc-logger.js'
import { RpcServer } from '../../src/rpc/rpc-server.js'
import { listenOnLoopback } from './fixtures/listen-on-loopback.js'

type Methods = {
  put: { params: { key: string; value: string }; result: { stored: string; requestId: string } }
  hang: { params: null; result: never }
  refuse: { params: null; result: never }
}

interface Replica {
  readonly url: string
  readonly server: RpcServer
  /** Request ids of every `put` this replica received, in order. */
  readonly seen: string[]
}

/** A replica whose `put` runs `behaviour` (which may throw RpcErrors) and records the request id. */
async function startReplica(t: Test, behaviour: (url: string, attempt: number) => void): Promise<Replica> {
  const server = new RpcServer({ logger: silentLogger })
  const seen: string[] = []
  const gates: Array<() => void> = []
  const listener = await listenOnLoopback({ onClient: (socket, remote) => server.accept(socket, remote) })
  const url = `ws://127.0.0.1:${listener.port}/client`
  server
    .method('put', z.strictObject({ key: z.string(), value: z.string() }), (params, context) => {
      seen.push(context.requestId)
      behaviour(url, seen.length)
      return { stored: `${params.key}=${params.value}`, requestId: context.requestId }
    })
    .method('hang', z.null(), () => new Promise((resolve) => gates.push(() => resolve(null))))
    .method('refuse', z.null(), () => {
      throw RpcError.of('FORBIDDEN', 'not yours')
    })
  t.teardown(async () => {
    for (const release of gates) release()
    server.closeAll()
    await listener.close()
  })
  return { url, server, seen }
}

const leads = (): void => {}
const redirectsTo =
  (leader: () => Replica | null) =>
  (): void => {
    const target = leader()
    throw RpcError.notLeader('not the leader', { leader: target === null ? null : 'someone', leaderUrl: target?.url ?? null })
  }

function client(t: Test, endpoints: string[], options: Partial<ConstructorParameters<typeof ClusterClient<Methods>>[0]> = {}) {
  const c = new ClusterClient<Methods>({ endpoints, random: () => 0.5, backoff: { baseMs: 5, maxMs: 20 }, ...options })
  t.teardown(() => c.close())
  return c
}

t.test('follows NOT_LEADER to the leader, keeping the request id, and goes there first next time', async (t) => {
  let leader: Replica | null = null
  const r1 = await startReplica(t, redirectsTo(() => leader))
  const r2 = await startReplica(t, redirectsTo(() => leader))
  leader = await startReplica(t, leads)
  const c = client(t, [r1.url, r2.url, leader.url])
  const first = await c.call('put', { key: 'k', value: 'v' })
  t.equal(first.stored, 'k=v')
  t.same(r1.seen, [first.requestId], 'the first replica saw the request')
  t.same(leader.seen, [first.requestId], 'the leader got the same request id')
  t.same(r2.seen, [], 'the redirect skipped the second replica')
  const second = await c.call('put', { key: 'k', value: 'w' })
  t.not(second.requestId, first.requestId, 'a new call gets a new id')
  t.equal(r1.seen.length, 1, 'the known leader was asked directly')
})

t.test("a redirect to a leader the client knows by id takes the client's own route, not the advertised address", async (t) => {
  // `direct` is the leader's own address (what it advertises); `routed` stands for the proxy this
  // client's config reaches it through. Following the advertised address would bypass the proxy.
  const direct = await startReplica(t, leads)
  const routed = await startReplica(t, leads)
  const follower = await startReplica(t, () => {
    throw RpcError.notLeader('not the leader', { leader: 'nyc-2', leaderUrl: direct.url })
  })
  const c = client(t, [follower.url, routed.url], { replicaUrls: new Map([['nyc-1', follower.url], ['nyc-2', routed.url]]) })
  const result = await c.call('put', { key: 'k', value: 'v' })
  t.same(routed.seen, [result.requestId], 'the redirect went through the configured route')
  t.same(direct.seen, [], 'the advertised address was not used')
  // A leader the client has no route for is still followed to the address it advertises.
  const unknown = client(t, [follower.url], { replicaUrls: new Map([['nyc-1', follower.url]]) })
  const fallback = await unknown.call('put', { key: 'k', value: 'w' })
  t.same(direct.seen, [fallback.requestId], 'an unknown leader is reached at its advertised address')
})

t.test('waits out an election: no leader known, then one appears', async (t) => {
  const replicas: Replica[] = []
  let attempts = 0
  let leader: Replica | null = null
  // Every replica answers "no leader known" until the fifth attempt, when the third one takes over.
  const electing = (url: string): void => {
    attempts += 1
    if (attempts === 5) leader = replicas[2] ?? null
    if (leader === null) redirectsTo(() => null)()
    else if (leader.url !== url) redirectsTo(() => leader)()
  }
  for (let i = 0; i < 3; i++) replicas.push(await startReplica(t, electing))
  const c = client(t, replicas.map((r) => r.url))
  const result = await c.call('put', { key: 'a', value: 'b' }, { requestId: 'caller-key-1' })
  t.equal(result.requestId, 'caller-key-1', 'the caller-supplied idempotency key is used throughout')
  const ids = new Set(replicas.flatMap((r) => r.seen))
  t.same([...ids], ['caller-key-1'], 'every attempt carried the same id')
})

t.test('a replica that is down is skipped', async (t) => {
  const dead = await listenOnLoopback({})
  const deadUrl = `ws://127.0.0.1:${dead.port}/client`
  await dead.close()
  const live = await startReplica(t, leads)
  const c = client(t, [deadUrl, live.url])
  const result = await c.call('put', { key: 'x', value: 'y' })
  t.equal(result.stored, 'x=y')
})

t.test('overloaded replicas are retried with the same id', async (t) => {
  const r = await startReplica(t, (_url, attempt) => {
    if (attempt < 3) throw RpcError.of('OVERLOADED', 'busy')
  })
  const c = client(t, [r.url])
  const result = await c.call('put', { key: 'x', value: 'y' })
  t.equal(r.seen.length, 3)
  t.same(new Set(r.seen), new Set([result.requestId]))
})

t.test('errors that are not retryable surface at once', async (t) => {
  const r = await startReplica(t, leads)
  const c = client(t, [r.url])
  await t.rejects(c.call('refuse', null), { code: 'FORBIDDEN', message: 'not yours' })
})

t.test('timeouts name the method and the endpoint, per attempt and per call', async (t) => {
  const r = await startReplica(t, leads)
  const connection = new RpcConnection(r.url)
  t.teardown(() => connection.close())
  await t.rejects(connection.request('h-1', 'hang', null, 100), {
    code: 'TIMEOUT',
    message: `hang to ${r.url} timed out after 100 ms`,
    details: { method: 'hang', endpoint: r.url, timeoutMs: 100 },
  })
  const c = client(t, [r.url], { attemptTimeoutMs: 100, callTimeoutMs: 350 })
  const error = await c.call('hang', null).then(
    () => null,
    (err: unknown) => err,
  )
  t.ok(error instanceof RpcError)
  t.match((error as RpcError).message, new RegExp(`^hang gave up after 350 ms and \\d+ attempt\\(s\\) to ${r.url}; last error: TIMEOUT: hang to ${r.url} timed out after \\d+ ms$`))
  t.match((error as RpcError).body.details, { method: 'hang', requestId: null }, "a numbered call's id is not offered for a re-issue")
  await t.rejects(c.call('hang', null, { requestId: 'mine-1' }), { code: 'TIMEOUT', details: { requestId: 'mine-1' } }, 'an id the caller chose is reported')
})

t.test('an unreachable office fails with UNAVAILABLE details within the call timeout', async (t) => {
  const dead = await listenOnLoopback({})
  const deadUrl = `ws://127.0.0.1:${dead.port}/client`
  await dead.close()
  const c = client(t, [deadUrl], { callTimeoutMs: 200 })
  await t.rejects(c.call('put', { key: 'k', value: 'v' }), { code: 'TIMEOUT', message: /last error: UNAVAILABLE: put to ws:\/\/127\.0\.0\.1:\d+\/client failed: .*ECONNREFUSED/ })
})

t.test('results are checked against the schema when one is given', async (t) => {
  const r = await startReplica(t, leads)
  const strict = client(t, [r.url], { results: { put: z.strictObject({ stored: z.literal('never'), requestId: z.string() }) } })
  await t.rejects(strict.call('put', { key: 'k', value: 'v' }), { code: 'INTERNAL', message: /^put from .*: malformed result: result\.stored: / })
})

t.test('the typed surface refuses wrong params at compile time', async (t) => {
  const r = await startReplica(t, leads)
  const c = client(t, [r.url])
  // @ts-expect-error value must be a string
  await t.rejects(c.call('put', { key: 'k', value: 1 }), { code: 'BAD_REQUEST', message: /^put: params\.value: / })
  // @ts-expect-error no such method in the map
  await t.rejects(c.call('nothing', null), { code: 'UNKNOWN_METHOD' })
  t.throws(() => new ClusterClient<Methods>({ endpoints: [] }), /at least one replica URL/)
  t.throws(() => new ClusterClient<Methods>({ endpoints: ['http://x/client'] }), /not a ws:\/\/ or wss:\/\/ URL/)
  t.throws(() => new ClusterClient<Methods>({ endpoints: [r.url], callTimeoutMs: 0 }), /callTimeoutMs must be a positive number of milliseconds, got 0/)
  await t.rejects(c.call('put', { key: 'k', value: 'v' }, { timeoutMs: -5 }), /put: timeoutMs must be a positive number of milliseconds, got -5/)
})

t.test("each call tells the office the lowest of the client's own calls it may still retry; a chosen id is not numbered", async (t) => {
  const server = new RpcServer({ logger: silentLogger })
  const gates = new Map<string, () => void>()
  const seen: Array<{ id: string; settledBelow: number | null }> = []
  const listener = await listenOnLoopback({ onClient: (socket, remote) => server.accept(socket, remote) })
  server.method('put', z.strictObject({ key: z.string(), value: z.string() }), (params, context) => {
    seen.push({ id: context.requestId, settledBelow: context.clientSession?.settledBelow ?? null })
    if (params.value !== 'hold') return { stored: params.key, requestId: context.requestId }
    return new Promise((resolve) => gates.set(params.key, () => resolve({ stored: params.key, requestId: context.requestId })))
  })
  t.teardown(async () => {
    for (const release of gates.values()) release()
    server.closeAll()
    await listener.close()
  })
  const c = client(t, [`ws://127.0.0.1:${listener.port}/client`])
  const held = c.call('put', { key: 'first', value: 'hold' })
  while (!gates.has('first')) await new Promise((resolve) => setTimeout(resolve, 1))
  await c.call('put', { key: 'second', value: 'now' })
  await c.call('put', { key: 'third', value: 'now' })
  await c.call('put', { key: 'chosen', value: 'now' }, { requestId: 'my-own-id' })
  gates.get('first')?.()
  await held
  await c.call('put', { key: 'fourth', value: 'now' })
  t.same(
    seen.map((s) => s.settledBelow),
    [1, 1, 1, null, 4],
    'the floor stays at the held call until it settles, then passes every settled one; the chosen id carries none',
  )
  t.match(seen[0]?.id, /^[0-9a-f]{16}-1$/, 'numbered ids are <client>-<sequence>')
})

t.test('a client for an office of a cluster config talks to that office', async (t) => {
  const r = await startReplica(t, leads)
  const port = Number(new URL(r.url).port)
  const office = (id: string, replicaPort: number) => ({
    id,
    name: id,
    timeZone: 'UTC',
    workHours: { start: '09:00', end: '17:00' },
    workDays: ['Mon'],
    lunch: { start: '12:00', end: '13:00' },
    replicas: [{ id: `${id}-1`, host: '127.0.0.1', port: replicaPort }],
  })
  const { config } = parseClusterConfig({ clusterId: 'c', offices: [office('aaa', port), office('bbb', port + 1)] }, 'inline')
  const c = ClusterClient.forOffice<Methods>(config, 'aaa')
  t.teardown(() => c.close())
  t.equal((await c.call('put', { key: 'o', value: 'k' })).stored, 'o=k')
  t.throws(() => ClusterClient.forOffice<Methods>(config, 'zzz'), /unknown office "zzz"; this config has aaa, bbb/)
})
