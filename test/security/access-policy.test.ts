import t from 'tap'
import { OFFICE_PARAM_SCHEMAS } from '../../src/office/office-api.js'
import { XOFFICE_PARAM_SCHEMAS } from '../../src/cross-office/xoffice-api.js'
import { DIRECTORY_PARAM_SCHEMAS } from '../../src/directory/directory-api.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { ACCESS_POLICY, authorize, type AccessRule, type MeetingParties } from '../../src/security/access-policy.js'
import type { Principal } from '../../src/security/principal.js'
import { TOKEN_PARAM_SCHEMAS } from '../../src/security/token-records.js'

const alice: Principal = { kind: 'user', userId: 'alice', tokenId: 'aaaaaaaaaaaa' }
const bob: Principal = { kind: 'user', userId: 'bob', tokenId: 'bbbbbbbbbbbb' }
const mallory: Principal = { kind: 'user', userId: 'mallory', tokenId: 'cccccccccccc' }
const admin: Principal = { kind: 'admin', tokenId: 'root' }
const peer: Principal = { kind: 'peer', nodeId: 'lon-1' }
const anonymous: Principal = { kind: 'anonymous', reason: 'no credential' }
const scraper: Principal = { kind: 'scraper', tokenId: 'dddddddddddd' }

/** mtg-nyc-1: organized by alice, bob invited. */
const meetings: MeetingParties = async (id) => (id === 'mtg-nyc-1' ? { organizer: 'alice', invitees: ['bob'] } : null)

/** Params that name alice wherever a rule looks. */
const aliceParams = { user: 'alice', organizer: 'alice', id: 'mtg-nyc-1' }

async function outcome(principal: Principal, method: string, params: unknown = aliceParams): Promise<RpcError | null> {
  return authorize(principal, method, params, meetings)
}

/** Who must be allowed and who refused under each rule, all with `aliceParams`. */
const expectations: Record<AccessRule['kind'], { allowed: Principal[]; denied: Principal[] }> = {
  anyone: { allowed: [alice, bob, mallory, admin, peer], denied: [anonymous, scraper] },
  admin: { allowed: [admin], denied: [alice, peer, anonymous, scraper] },
  peer: { allowed: [peer, admin], denied: [alice, bob, anonymous, scraper] },
  self: { allowed: [alice, admin], denied: [bob, peer, anonymous, scraper] },
  organizer: { allowed: [alice, admin], denied: [bob, mallory, peer, anonymous, scraper] },
  participant: { allowed: [alice, bob, admin], denied: [mallory, peer, anonymous, scraper] },
}

t.test('every method of every API has a rule', async (t) => {
  const methods = [OFFICE_PARAM_SCHEMAS, XOFFICE_PARAM_SCHEMAS, DIRECTORY_PARAM_SCHEMAS, TOKEN_PARAM_SCHEMAS].flatMap((schemas) => Object.keys(schemas))
  const missing = methods.filter((method) => !ACCESS_POLICY.has(method))
  t.same(missing, [], 'methods without an access rule (add them to src/security/access-policy.ts)')
})

for (const [method, rule] of ACCESS_POLICY) {
  t.test(`${method} (${rule.kind})`, async (t) => {
    const { allowed, denied } = expectations[rule.kind]
    for (const principal of allowed) t.equal(await outcome(principal, method), null, `${principal.kind} ${'userId' in principal ? principal.userId : ''} allowed`)
    for (const principal of denied) {
      const refusal = await outcome(principal, method)
      t.ok(refusal instanceof RpcError, `${principal.kind} ${'userId' in principal ? principal.userId : ''} refused`)
      t.equal(refusal?.code, principal.kind === 'anonymous' ? 'UNAUTHENTICATED' : 'FORBIDDEN')
      t.match(refusal?.message, new RegExp(`^${method.replace('.', '\\.')}: `), 'the error names the method')
      if (principal.kind !== 'anonymous') t.match(refusal?.details, { method, principal: /./ }, 'and the principal')
    }
    t.equal(await outcome({ kind: 'open' }, method), null, 'authentication off lets everything through')
  })
}

t.test('denials say who was refused and why', async (t) => {
  t.match((await outcome(bob, 'event.add'))?.message, 'event.add: user "bob" (token bbbbbbbbbbbb) may not call it: it acts for user "alice", and a user may act only as themselves')
  t.match((await outcome(bob, 'meeting.cancel'))?.message, 'meeting "mtg-nyc-1" may be changed only by its organizer')
  t.match((await outcome(mallory, 'meeting.get'))?.message, 'meeting "mtg-nyc-1" may be seen only by its organizer or an invitee')
  t.match((await outcome(alice, 'kv.put'))?.message, 'kv.put: user "alice" (token aaaaaaaaaaaa) may not call it: only an admin may call it')
  t.match((await outcome(alice, 'xoffice.prepare'))?.message, 'only replicas of this cluster may call it')
  t.match((await outcome(scraper, 'replica.status'))?.message, 'replica.status: metrics token dddddddddddd may not call it: a metrics token may only read /metrics')
  t.match((await outcome(anonymous, 'calendar.freeBusy'))?.message, 'calendar.freeBusy: no credential')
  t.match((await outcome(alice, 'no.such.method'))?.message, 'no.such.method: user "alice" (token aaaaaaaaaaaa) may not call it: no access rule allows this method')
  t.equal(await outcome(alice, 'no.such.method').then((e) => e?.code), 'FORBIDDEN')
})

t.test('a meeting that does not exist is left to the handler (which says not found)', async (t) => {
  t.equal(await outcome(mallory, 'meeting.get', { id: 'mtg-nyc-404' }), null)
})

t.test('most rules answer without waiting: only meeting rules read state', async (t) => {
  t.notOk(authorize(alice, 'event.add', aliceParams, meetings) instanceof Promise)
  t.notOk(authorize(peer, 'xoffice.decide', {}, meetings) instanceof Promise)
  t.ok(authorize(bob, 'meeting.get', aliceParams, meetings) instanceof Promise)
})
