/**
 * Every method a running replica registers, called through its real /client gate and handlers:
 * each must have an access rule, a valid sample call (method-samples.ts), a principal the rule lets
 * through and one it refuses with an error naming the method. Read methods open to anyone are also
 * called by a stranger, whose answer must hold no title of anyone's event or meeting.
 */
import t from 'tap'
import { z } from 'zod'
import type { ClusterClient, MethodMap } from '../../src/client/cluster-client.js'
import { DIRECTORY_PARAM_SCHEMAS } from '../../src/directory/directory-api.js'
import { XOFFICE_PARAM_SCHEMAS } from '../../src/cross-office/xoffice-api.js'
import { OFFICE_PARAM_SCHEMAS } from '../../src/office/office-api.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { ACCESS_POLICY, type AccessRule } from '../../src/security/access-policy.js'
import { newToken, peerCredential } from '../../src/security/client-credentials.js'
import { TOKEN_PARAM_SCHEMAS } from '../../src/security/token-records.js'
import { TOKEN_SYNC_PARAM_SCHEMAS } from '../../src/security/token-sync.js'
import { methodSamples, SAMPLE_WINDOW } from './method-samples.js'
import { CLUSTER_ID, startSecuredOffice, type SecuredOffice } from './secured-office.js'

const SCHEMAS: Readonly<Record<string, z.ZodType>> = { ...OFFICE_PARAM_SCHEMAS, ...XOFFICE_PARAM_SCHEMAS, ...DIRECTORY_PARAM_SCHEMAS, ...TOKEN_PARAM_SCHEMAS, ...TOKEN_SYNC_PARAM_SCHEMAS }
const EVENT_TITLE = 'SECRET-dentist'
const MEETING_TITLE = 'SECRET-merger'
const REFUSALS = new Set(['FORBIDDEN', 'UNAUTHENTICATED'])

type Caller = 'alice' | 'bob' | 'mallory' | 'admin' | 'peer' | 'anonymous'

/** Who the sample (naming alice and her meeting with bob) must let through, and who it must refuse. */
const CASES: Record<AccessRule['kind'], { readonly allowed: Caller; readonly denied: readonly Caller[] }> = {
  anyone: { allowed: 'mallory', denied: ['anonymous'] },
  admin: { allowed: 'admin', denied: ['alice', 'peer'] },
  peer: { allowed: 'peer', denied: ['alice'] },
  self: { allowed: 'alice', denied: ['bob', 'peer'] },
  organizer: { allowed: 'alice', denied: ['bob', 'mallory'] },
  participant: { allowed: 'bob', denied: ['mallory'] },
}

async function answer(call: Promise<unknown>): Promise<{ readonly code: string; readonly message: string; readonly body: string }> {
  try {
    return { code: 'OK', message: '', body: JSON.stringify(await call) }
  } catch (err) {
    if (err instanceof RpcError) return { code: err.code, message: err.message, body: JSON.stringify(err.body) }
    throw err
  }
}

async function callers(office: SecuredOffice): Promise<Record<Caller, () => ClusterClient<MethodMap>>> {
  const root = office.client(office.rootAuthorization)
  const users: Record<string, string> = {}
  for (const id of ['alice', 'bob', 'mallory']) {
    await root.call('user.add', { id, office: 'nyc' })
    const made = newToken()
    await root.call('token.create', { id: made.id, hash: made.hash, grant: { role: 'user', user: id }, label: id })
    users[id] = `Bearer ${made.token}`
  }
  // A fresh client per call: a peer credential is good for one connection.
  const as = (authorization: () => string | null) => () => office.client(authorization())
  return {
    alice: as(() => users.alice ?? null),
    bob: as(() => users.bob ?? null),
    mallory: as(() => users.mallory ?? null),
    admin: as(() => office.rootAuthorization),
    peer: as(() => peerCredential(office.secret, CLUSTER_ID, 'lon-1', 'nyc', Date.now())),
    anonymous: as(() => null),
  }
}

t.test('every registered method: a rule, an allowed and a denied call through the running gate', async (t) => {
  const office = await startSecuredOffice(t)
  const as = await callers(office)
  await as.alice().call('event.add', { user: 'alice', start: '2026-03-10T09:00', end: '2026-03-10T10:00', title: EVENT_TITLE })
  const booked = (await as.alice().call('meeting.book', { organizer: 'alice', attendees: ['bob'], start: '2026-03-11T14:00', durationMinutes: 30, title: MEETING_TITLE })) as { id: string }
  const samples = methodSamples({ meetingId: booked.id, replicaPort: Number(new URL(office.url).port) })
  const registered = [...office.node.methodNames()].sort()

  t.ok(registered.length >= 50, `the replica serves ${registered.length} methods`)
  t.same(registered.filter((m) => !ACCESS_POLICY.has(m)), [], 'registered methods without an access rule (src/security/access-policy.ts)')
  t.same([...ACCESS_POLICY.keys()].filter((m) => !registered.includes(m)), [], 'access rules for methods no replica serves')
  t.same(registered.filter((m) => !(m in samples)), [], 'registered methods without a sample call (test/security/method-samples.ts)')
  for (const [method, params] of Object.entries(samples)) {
    const schema = SCHEMAS[method]
    t.ok(schema?.safeParse(params).success, `the sample of ${method} is valid`)
  }

  for (const method of registered) {
    const rule = ACCESS_POLICY.get(method)
    if (rule === undefined) continue
    const params = samples[method]
    const { allowed, denied } = CASES[rule.kind]
    for (const caller of denied) {
      const refused = await answer(as[caller]().call(method, params))
      t.equal(refused.code, caller === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN', `${method} (${rule.kind}): ${caller} refused`)
      t.ok(refused.message.startsWith(`${method}: `), `${method}: the refusal names the method (${refused.message})`)
      if (caller !== 'anonymous') t.match(refused.message, caller === 'peer' ? /replica lon-1/ : new RegExp(`user "${caller}"`), `${method}: and the caller`)
    }
    const passed = await answer(as[allowed]().call(method, params))
    t.notOk(REFUSALS.has(passed.code), `${method} (${rule.kind}): ${allowed} gets past the gate (${passed.code} ${passed.message})`)
    if (rule.kind === 'anyone') {
      t.notMatch(passed.body, /SECRET-/, `${method}: a stranger's answer holds no title`)
    }
  }
})

t.test("a stranger's reads of other people's time show free/busy only", async (t) => {
  const office = await startSecuredOffice(t)
  const as = await callers(office)
  await as.alice().call('event.add', { user: 'alice', start: '2026-03-10T09:00', end: '2026-03-10T10:00', title: EVENT_TITLE })
  const booked = (await as.alice().call('meeting.book', { organizer: 'alice', attendees: ['bob'], start: '2026-03-11T14:00', durationMinutes: 30, title: MEETING_TITLE })) as { id: string }
  const mallory = as.mallory()
  const freeBusy = await answer(mallory.call('calendar.freeBusy', { users: ['alice', 'bob'], ...SAMPLE_WINDOW }))
  t.equal(freeBusy.code, 'OK')
  t.match(freeBusy.body, /2026-03-10T14:00:00/, 'alice is busy at her event (09:00 New York)')
  t.notMatch(freeBusy.body, /SECRET-|evt-|mtg-/, 'without its title or any id')
  const suggested = await answer(mallory.call('calendar.suggest', { organizer: 'mallory', attendees: ['alice', 'bob'], durationMinutes: 60, ...SAMPLE_WINDOW }))
  t.equal(suggested.code, 'OK')
  t.notMatch(suggested.body, /SECRET-|evt-|mtg-/, "a suggestion over alice's and bob's time names no title and no event")
  const blocked = await answer(mallory.call('calendar.suggest', { organizer: 'mallory', attendees: ['alice'], durationMinutes: 60, from: '2026-03-10T09:00', to: '2026-03-10T10:00', tz: 'America/New_York' }))
  t.match(blocked.body, /alice/, 'when alice is busy for the whole window, the partial suggestion says so')
  t.notMatch(blocked.body, /SECRET-|evt-/, 'without naming her event')
  const conflicts = await answer(mallory.call('calendar.conflicts', { organizer: 'mallory', attendees: ['alice'], start: '2026-03-10T09:00', durationMinutes: 60 }))
  t.equal(conflicts.code, 'OK')
  t.match(conflicts.body, /alice/, 'the conflict report says alice is busy')
  t.notMatch(conflicts.body, /SECRET-|evt-/, 'but names neither her event nor its title')
  for (const [method, params] of [
    ['calendar.agenda', { user: 'alice', ...SAMPLE_WINDOW }],
    ['event.list', { user: 'alice' }],
    ['notifications.poll', { user: 'bob', after: 0, waitMs: 0 }],
    ['meeting.get', { id: booked.id }],
  ] as const) {
    t.equal((await answer(mallory.call(method, params))).code, 'FORBIDDEN', `${method} of someone else's calendar is refused`)
  }
})
