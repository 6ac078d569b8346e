import t from 'tap'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { newToken, peerCredential } from '../../src/security/client-credentials.js'
import { ClusterSecret } from '../../src/security/cluster-secret.js'
import { CLUSTER_ID, startSecuredOffice } from './secured-office.js'

async function codeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call
    return 'OK'
  } catch (err) {
    if (err instanceof RpcError) return `${err.code}: ${err.message}`
    throw err
  }
}

t.test('tokens, roles and revocation against a running replica', async (t) => {
  const office = await startSecuredOffice(t)
  const root = office.client(office.rootAuthorization)

  t.match(await codeOf(office.client(null).call('replica.status', {})), /^UNAUTHENTICATED: replica\.status: no credential/, 'no credential')
  t.match(await codeOf(office.client('Bearer dms_000000000000_' + 'A'.repeat(43)).call('replica.status', {})), /^UNAUTHENTICATED: .*unknown or revoked/, 'an unknown token')
  t.match(await codeOf(office.client('Basic YWxpY2U6cHc=').call('replica.status', {})), /^UNAUTHENTICATED: .*neither "Bearer <token>"/, 'another scheme')
  t.match(await codeOf(office.client(`Bearer dms_root_${'x'.repeat(43)}`).call('replica.status', {})), /^UNAUTHENTICATED: .*bootstrap admin token does not match/, 'a forged root token')
  t.ok(office.warnings.some((w) => w.includes('refused a client credential')), 'refusals are logged')
  t.notOk(office.warnings.join('\n').includes('A'.repeat(43)), 'without the credential')

  for (const id of ['alice', 'bob', 'mallory']) await root.call('user.add', { id, office: 'nyc' })
  const tokens = new Map<string, string>()
  for (const id of ['alice', 'bob', 'mallory']) {
    const made = newToken()
    const view = await root.call('token.create', { id: made.id, hash: made.hash, grant: { role: 'user', user: id }, label: `${id}'s laptop` })
    t.same(Object.keys(view).sort(), ['createdAt', 'grant', 'id', 'label'], 'the answer carries no hash')
    tokens.set(id, `Bearer ${made.token}`)
  }
  const as = (id: string) => office.client(tokens.get(id) ?? null)
  const alice = as('alice')
  const bob = as('bob')
  const mallory = as('mallory')

  const listed = await root.call('token.list', {})
  t.equal(listed.tokens.length, 3)
  t.notMatch(JSON.stringify(listed), /hash/, 'token.list shows no hashes')
  t.match(await codeOf(alice.call('token.list', {})), /^FORBIDDEN: token\.list: user "alice"/, 'a user may not list tokens')
  t.match(await codeOf(alice.call('user.add', { id: 'eve', office: 'nyc' })), /^FORBIDDEN: user\.add/, 'nor add users')

  const window = { from: '2026-03-09T00:00:00Z', to: '2026-03-14T00:00:00Z' }
  t.equal(await codeOf(alice.call('event.add', { user: 'alice', start: '2026-03-10T09:00', end: '2026-03-10T10:00', title: 'dentist' })), 'OK', 'alice changes her own calendar')
  t.match(await codeOf(bob.call('event.add', { user: 'alice', start: '2026-03-10T11:00', end: '2026-03-10T12:00' })), /^FORBIDDEN: event\.add: user "bob"/, "bob may not change alice's")
  t.match(await codeOf(bob.call('calendar.agenda', { user: 'alice', ...window })), /^FORBIDDEN: calendar\.agenda/, "nor read her agenda (titles)")
  const freeBusy = await bob.call('calendar.freeBusy', { users: ['alice'], ...window })
  t.notMatch(JSON.stringify(freeBusy), /dentist/, 'bob sees her free/busy without titles')

  const booked = await alice.call('meeting.book', { organizer: 'alice', attendees: ['bob'], start: '2026-03-11T14:00', durationMinutes: 30, title: 'plan' })
  t.equal(booked.status, 'booked')
  const meetingId = booked.id as string
  t.match(await codeOf(bob.call('meeting.book', { organizer: 'alice', attendees: [], start: '2026-03-12T14:00', durationMinutes: 30 })), /^FORBIDDEN: meeting\.book/, 'bob may not book as alice')
  t.equal(await codeOf(bob.call('meeting.get', { id: meetingId })), 'OK', 'the invitee sees the meeting')
  t.equal(await codeOf(bob.call('meeting.respond', { id: meetingId, user: 'bob', response: 'accepted' })), 'OK', 'and responds')
  t.match(await codeOf(mallory.call('meeting.get', { id: meetingId })), /^FORBIDDEN: meeting\.get: user "mallory".*organizer or an invitee/, 'a stranger does not see it')
  t.match(await codeOf(mallory.call('meeting.respond', { id: meetingId, user: 'bob', response: 'declined' })), /^FORBIDDEN: meeting\.respond/, 'nor answers for bob')
  t.match(await codeOf(bob.call('meeting.cancel', { id: meetingId })), /^FORBIDDEN: meeting\.cancel: .*only by its organizer/, 'the invitee may not cancel')
  t.match(await codeOf(alice.call('xoffice.decide', { txId: 'mtg-nyc-9', coordinatorTerm: 1, decision: 'abort', token: null })), /^FORBIDDEN: xoffice\.decide: .*only replicas/, 'users may not speak 2PC')
  t.equal(await codeOf(alice.call('meeting.cancel', { id: meetingId })), 'OK', 'the organizer cancels')

  const credential = peerCredential(office.secret, CLUSTER_ID, 'lon-1', 'nyc', Date.now())
  const peer = office.client(credential)
  t.match(await codeOf(peer.call('xoffice.transaction', { txId: 'mtg-nyc-9' })), /^NOT_FOUND/, 'a peer passes the gate (the handler answers)')
  t.match(await codeOf(office.client(credential).call('xoffice.transaction', { txId: 'mtg-nyc-9' })), /^UNAUTHENTICATED: .*already used on another connection/, 'the same credential replayed on a new connection')
  const forLondon = office.client(peerCredential(office.secret, CLUSTER_ID, 'tok-1', 'lon', Date.now()))
  t.match(await codeOf(forLondon.call('xoffice.transaction', { txId: 'mtg-nyc-9' })), /^UNAUTHENTICATED: .*made for office lon, not this office \(nyc\)/, 'a credential made for another office')
  const forged = office.client(peerCredential(ClusterSecret.fromText('0'.repeat(32), 'x'), CLUSTER_ID, 'lon-1', 'nyc', Date.now()))
  t.match(await codeOf(forged.call('xoffice.transaction', { txId: 'mtg-nyc-9' })), /^UNAUTHENTICATED: .*failed verification/, 'a peer credential made without the secret')
  const old = office.client(peerCredential(office.secret, CLUSTER_ID, 'lon-1', 'nyc', Date.now() - 10 * 60_000))
  t.match(await codeOf(old.call('xoffice.transaction', { txId: 'mtg-nyc-9' })), /^UNAUTHENTICATED: .*more than 60000 ms/, 'an old peer credential')

  const aliceId = /dms_([0-9a-f]{12})_/.exec(tokens.get('alice') ?? '')?.[1] ?? ''
  t.same(await root.call('token.revoke', { id: aliceId }), { id: aliceId, revoked: true })
  t.same(await root.call('token.revoke', { id: aliceId }), { id: aliceId, revoked: false }, 'revoking twice says so')
  t.match(await codeOf(as('alice').call('replica.status', {})), /^UNAUTHENTICATED: .*unknown or revoked/, 'a revoked token no longer connects')
  const made = newToken()
  const created = await root.call('token.create', { id: made.id, hash: made.hash, grant: { role: 'admin' }, label: '' })
  t.same(await root.call('token.create', { id: made.id, hash: made.hash, grant: { role: 'admin' }, label: '' }), created, 'the same token again (token sync may have brought it first) is this create, done')
  t.match(await codeOf(root.call('token.create', { id: made.id, hash: newToken().hash, grant: { role: 'admin' }, label: '' })), /^CONFLICT: .*already exists/, 'another token under a taken id is refused')
  t.match(await codeOf(root.call('token.create', { id: made.id, hash: made.hash, grant: { role: 'metrics' }, label: '' })), /^CONFLICT: .*already exists/, 'so is another grant')
  t.match(await codeOf(root.call('token.create', { id: aliceId, hash: made.hash, grant: { role: 'admin' }, label: '' })), /^CONFLICT: .*already exists/, 'ids are never reused, revoked ones neither')
  t.equal(await codeOf(office.client(`Bearer ${made.token}`).call('user.add', { id: 'dave', office: 'nyc' })), 'OK', 'a created admin token manages users')
})

t.test('with client authentication off, clients need no token (local development)', async (t) => {
  const office = await startSecuredOffice(t, { clientAuth: false })
  t.equal(await codeOf(office.client(null).call('kv.put', { key: 'k', value: 'v' })), 'OK')
})

t.test('a caller without a valid credential learns nothing about methods or params', async (t) => {
  const office = await startSecuredOffice(t)
  const anonymous = office.client(null)
  const forged = office.client('Bearer dms_000000000000_' + 'A'.repeat(43))
  for (const client of [anonymous, forged]) {
    t.match(await codeOf(client.call('event.add', { user: 42 } as never)), /^UNAUTHENTICATED: event\.add: /, 'bad params: refused as unauthenticated, not checked')
    t.match(await codeOf(client.call('no.such.method' as never, {} as never)), /^UNAUTHENTICATED: no\.such\.method: /, 'an unknown method: likewise')
  }
  const root = office.client(office.rootAuthorization)
  t.match(await codeOf(root.call('event.add', { user: 42 } as never)), /^BAD_REQUEST: event\.add: params\.user/, 'an authenticated caller gets the field named')
  t.match(await codeOf(root.call('no.such.method' as never, {} as never)), /^UNKNOWN_METHOD/)
})
