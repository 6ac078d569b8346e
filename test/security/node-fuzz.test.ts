/**
 * Fuzzing a running replica (authentication on) through its real sockets: random and mutated
 * msgpack frames, truncated and huge frames, wrong types, unknown methods and random params on
 * /client; random handshakes on /peer; a flood by a client that never reads. Afterwards the node
 * must still answer, and its data must be exactly what it was. DMS_FUZZ_RUNS sets the runs per
 * property (`npm run fuzz` runs many more than `npm test`).
 */
import t from 'tap'
import fc from 'fast-check'
import { encodeFrame } from '../../src/rpc/frame-codec.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { newToken, peerCredential } from '../../src/security/client-credentials.js'
import { ACCESS_POLICY } from '../../src/security/access-policy.js'
import { RawSocket } from '../rpc/fixtures/raw-socket.js'
import { methodSamples } from './method-samples.js'
import { CLUSTER_ID, startSecuredOffice, type SecuredOffice } from './secured-office.js'

const RUNS = Number(process.env.DMS_FUZZ_RUNS ?? 120)
const METHODS = [...ACCESS_POLICY.keys()]
let inputs = 0

/** Every path to a value inside `value` (objects and arrays), the root's fields first. */
function pathsOf(value: unknown, prefix: ReadonlyArray<string | number> = []): Array<ReadonlyArray<string | number>> {
  if (typeof value !== 'object' || value === null) return []
  const keys: Array<string | number> = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value)
  return keys.flatMap((key) => [[...prefix, key], ...pathsOf((value as Record<string | number, unknown>)[key], [...prefix, key])])
}

/** A deep copy of `value` with the value at `path` replaced (or removed, for `undefined`). */
function withValueAt(value: unknown, path: ReadonlyArray<string | number>, replacement: unknown): unknown {
  if (path.length === 0) return replacement
  const [head, ...rest] = path as [string | number, ...Array<string | number>]
  const copy = (Array.isArray(value) ? [...(value as unknown[])] : { ...(value as object) }) as Record<string | number, unknown>
  const next = withValueAt(copy[head], rest, replacement)
  if (next === undefined) delete copy[head]
  else copy[head] = next
  return copy
}

/**
 * Everything a client can read back, as admin, but for the fuzzer's own calendar (which it may
 * change); equal before and after means nothing changed that the fuzzer may not change.
 */
async function snapshot(office: SecuredOffice): Promise<string> {
  const root = office.client(office.rootAuthorization)
  const [kv, users, agenda, tokens] = await Promise.all([
    root.call('kv.range', { prefix: '', limit: 10_000 }),
    root.call('user.list', {}),
    root.call('calendar.agenda', { user: 'alice', from: '2026-03-01T00:00:00Z', to: '2026-04-01T00:00:00Z' }),
    root.call('token.list', {}),
  ])
  return JSON.stringify({ kv: kv.entries, users: users.users.filter((u) => u.id !== 'fuzzer'), agenda, tokens })
}

/** `read`'s answer, retried while it times out, for at most `limitMs`. */
async function settled<T>(read: () => Promise<T>, limitMs: number): Promise<T> {
  const deadline = Date.now() + limitMs
  for (;;) {
    try {
      return await read()
    } catch (error) {
      if (Date.now() > deadline || !(error instanceof RpcError) || error.code !== 'TIMEOUT') throw error
    }
  }
}

/** A /client socket that reopens itself when the server closes it (huge or text frames). */
class FuzzClient {
  private socket: RawSocket | null = null
  private probes = 0
  /** Answers of INTERNAL: a fuzzed input that got past validation and broke a handler. */
  readonly internalErrors: string[] = []

  constructor(private readonly url: string, private readonly authorization: () => string) {}

  async send(frame: Uint8Array | string): Promise<void> {
    const socket = await this.open()
    socket.send(frame)
    inputs++
  }

  /** A valid request after the junk: its answer proves the connection (or a new one) still serves. */
  async probe(): Promise<unknown> {
    const id = `probe-${++this.probes}`
    const socket = await this.open()
    socket.send(encodeFrame({ id, method: 'replica.status', params: {} }))
    for (;;) {
      let frame: unknown
      try {
        frame = await socket.next(5000)
      } catch (err) {
        if (socket.closedWith === null) throw err
        this.socket = null
        return this.probe()
      }
      if (typeof frame !== 'object' || frame === null) continue
      const { id: answered, error } = frame as { id?: unknown; error?: { code?: unknown; message?: unknown } }
      if (error?.code === 'INTERNAL') this.internalErrors.push(String(error.message))
      if (answered === id) return frame
    }
  }

  /** Sends a batch of inputs, then whether a valid request after them is still answered. */
  async servesAfter(batch: ReadonlyArray<Uint8Array | string>): Promise<boolean> {
    for (const frame of batch) await this.send(frame)
    const answer = await this.probe()
    return typeof answer === 'object' && answer !== null && 'result' in answer
  }

  close(): void {
    this.socket?.close()
  }

  private async open(): Promise<RawSocket> {
    if (this.socket !== null && this.socket.closedWith === null) return this.socket
    this.socket = await RawSocket.open(this.url, { authorization: this.authorization() })
    return this.socket
  }
}

t.test('a running replica survives fuzzed frames on /client and /peer, and its data is unchanged', async (t) => {
  const office = await startSecuredOffice(t)
  const root = office.client(office.rootAuthorization)
  for (const id of ['alice', 'bob', 'fuzzer']) await root.call('user.add', { id, office: 'nyc' })
  await root.call('event.add', { user: 'alice', start: '2026-03-10T09:00', end: '2026-03-10T10:00', title: 'secret plans' })
  await root.call('meeting.book', { organizer: 'alice', attendees: ['bob'], start: '2026-03-11T14:00', durationMinutes: 30, title: 'sync' })
  for (let i = 0; i < 20; i++) await root.call('kv.put', { key: `k${i}`, value: `v${i}` })
  const made = newToken()
  await root.call('token.create', { id: made.id, hash: made.hash, grant: { role: 'user', user: 'fuzzer' }, label: 'fuzz' })
  const before = await snapshot(office)
  const client = new FuzzClient(office.url, () => `Bearer ${made.token}`)
  t.teardown(() => client.close())

  const valid = fc.record({
    id: fc.string({ minLength: 1, maxLength: 20 }),
    method: fc.constantFrom(...METHODS),
    params: fc.record({ user: fc.constantFrom('alice', 'bob', 'fuzzer'), id: fc.string(), from: fc.string(), to: fc.string() }, { requiredKeys: [] }),
  })
  // Valid calls of every method, acting as the fuzzer (so the `self` methods reach their handlers).
  const samples = Object.entries(methodSamples({ meetingId: 'mtg-nyc-1', replicaPort: 1 })).map(([method, params]) => ({
    method,
    params: JSON.parse(JSON.stringify(params).replaceAll('"alice"', '"fuzzer"')) as unknown,
  }))
  const mutatedSample = fc
    .tuple(fc.constantFrom(...samples), fc.nat(), fc.oneof(fc.anything({ withMap: true, withTypedArray: true }), fc.constant(undefined), fc.string({ maxLength: 5000 }), fc.integer(), fc.double()))
    .map(([{ method, params }, at, replacement]): Uint8Array => {
      const paths = pathsOf(params)
      const path = paths.length === 0 ? ['unexpected'] : (paths[at % paths.length] ?? [])
      return encodeFrame({ id: `m${at}`, method, params: withValueAt(params, path, replacement) })
    })
  const properties: Array<[string, fc.Arbitrary<Uint8Array | string>]> = [
    ['valid calls of every method with one field replaced by a value of any type, or removed', mutatedSample],
    ['random bytes', fc.uint8Array({ minLength: 0, maxLength: 4096 })],
    ['any msgpack value (wrong types)', fc.anything({ withTypedArray: true, withBigInt: false, withMap: true, withSet: false }).map((v) => encodeFrame(v))],
    ['request-shaped frames: known and unknown methods, random params', fc.record({ id: fc.anything(), method: fc.oneof(fc.constantFrom(...METHODS), fc.string()), params: fc.anything() }).map((v) => encodeFrame(v))],
    ['mutated valid requests', fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })).map(([request, flips]) => {
      const bytes = Uint8Array.from(encodeFrame(request))
      for (const [at, value] of flips) bytes[at % bytes.length] = value
      return bytes
    })],
    ['truncated valid requests', fc.tuple(valid, fc.nat()).map(([request, cut]) => {
      const bytes = encodeFrame(request)
      return bytes.subarray(0, cut % bytes.length)
    })],
    ['text frames', fc.string({ maxLength: 200 })],
  ]
  for (const [name, frames] of properties) {
    await fc.assert(
      fc.asyncProperty(fc.array(frames, { minLength: 1, maxLength: 5 }), (batch) => client.servesAfter(batch)),
      { numRuns: RUNS, seed: 8 },
    )
    t.pass(`${name}: the node answered after every batch`)
  }

  const huge = new Uint8Array(2 * 1024 * 1024).fill(0x91)
  for (let i = 0; i < 3; i++) {
    const socket = await RawSocket.open(office.url, { authorization: `Bearer ${made.token}` })
    socket.send(huge)
    inputs++
    t.match(await socket.closed(5000), { code: 1009 }, 'a frame over the 1 MiB limit closes its connection (1009)')
  }
  t.match(await client.probe(), { result: { id: 'nyc-1' } }, 'and only its connection')

  await fc.assert(
    fc.asyncProperty(
      fc.oneof(
        fc.uint8Array({ maxLength: 512 }),
        fc.record({ type: fc.constant('hello'), clusterId: fc.string(), officeId: fc.string(), nodeId: fc.string(), to: fc.string(), nonce: fc.uint8Array({ minLength: 32, maxLength: 32 }), proof: fc.uint8Array({ maxLength: 64 }) }).map((v) => encodeFrame(v)),
        fc.anything().map((v) => encodeFrame(v)),
      ),
      async (frame) => {
        const peer = await RawSocket.open(office.url.replace('/client', '/peer'))
        try {
          await peer.next()
          peer.send(frame)
          inputs++
          const closed = await peer.closed(7000)
          return closed.code >= 4400 && closed.code < 4500
        } finally {
          peer.close()
        }
      },
    ),
    { numRuns: Math.max(10, Math.floor(RUNS / 4)), seed: 8 },
  )
  t.pass('/peer: every fuzzed handshake was refused with a 44xx close')

  // A flood from a client that never reads: bounded in-flight work and send buffers, then cut off.
  const heapBefore = process.memoryUsage().heapUsed
  const flooder = await RawSocket.open(office.url, { authorization: `Bearer ${made.token}` })
  flooder.socket.pause()
  const params = { users: ['alice', 'bob'], from: '2026-03-01T00:00:00Z', to: '2026-03-31T00:00:00Z' }
  for (let i = 0; i < 20_000; i++) flooder.socket.send(encodeFrame({ id: `f${i}`, method: 'calendar.freeBusy', params }))
  inputs += 20_000
  t.match(await client.probe(), { result: { id: 'nyc-1' } }, 'other clients are served during the flood')
  flooder.socket.terminate()
  const heapGrowthMb = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024
  t.ok(heapGrowthMb < 256, `heap grew by ${heapGrowthMb.toFixed(1)} MiB during a 20 000-request flood`)

  // The flood's admitted requests finish after its client is gone; linearizable reads queue behind them.
  const floodEnded = Date.now()
  const after = await settled(() => snapshot(office), 60_000)
  t.comment(`linearizable reads answered again ${Date.now() - floodEnded} ms after the flood's client was cut off`)
  t.equal(after, before, 'data unchanged: KV, users, agenda and tokens as before')

  // Callers who may change things (an admin, another office's replica) send the same mutated calls,
  // so the admin and replica-only handlers see them too: the node answers every one, none with INTERNAL.
  const callers = [
    new FuzzClient(office.url, () => office.rootAuthorization),
    new FuzzClient(office.url, () => peerCredential(office.secret, CLUSTER_ID, 'lon-1', 'nyc', Date.now())),
  ]
  t.teardown(() => callers.forEach((c) => c.close()))
  for (const caller of callers) {
    await fc.assert(
      fc.asyncProperty(fc.array(mutatedSample, { minLength: 1, maxLength: 5 }), (batch) => caller.servesAfter(batch)),
      { numRuns: RUNS, seed: 9 },
    )
  }
  t.pass('admin and replica callers: the node answered after every batch of mutated calls')
  t.same([client, ...callers].flatMap((c) => c.internalErrors), [], 'no fuzzed call broke a handler (INTERNAL)')
  t.comment(`fuzz inputs tried: ${inputs} (DMS_FUZZ_RUNS=${RUNS})`)
})
