import t from 'tap'
import { clientGate } from '../../src/security/client-gate.js'
import { hashToken, newToken, peerCredential, rootToken } from '../../src/security/client-credentials.js'
import { ClusterSecret } from '../../src/security/cluster-secret.js'
import type { TokenRecord } from '../../src/security/token-records.js'

const secret = ClusterSecret.fromText('s'.repeat(32), 'test')

function setup() {
  let now = 0
  const records = new Map<string, TokenRecord>()
  let lookups = 0
  const warnings: string[] = []
  const gate = clientGate({
    secret,
    clusterId: 'acme',
    officeId: 'nyc',
    readToken: async (id) => {
      lookups++
      return records.get(id) ?? null
    },
    bootstrapRevoked: async () => false,
    meetings: async () => null,
    now: () => now,
    logger: { warn: (message, fields) => warnings.push(`${message} ${JSON.stringify(fields)}`) },
    revalidateMs: 5000,
  })
  return { gate, records, warnings, lookups: () => lookups, advance: (ms: number) => (now += ms) }
}

t.test('a token is looked up once per revalidation period, and revocation reaches open connections', async (t) => {
  const { gate, records, lookups, advance } = setup()
  const made = newToken()
  records.set(made.id, { id: made.id, hash: made.hash, grant: { role: 'user', user: 'alice' }, label: '', createdAt: '' })
  const session = gate.connect({ authorization: `Bearer ${made.token}` }, '127.0.0.1')
  t.equal(await session.admit('event.add', { user: 'alice' }), null)
  for (let i = 0; i < 100; i++) t.equal(session.admit('event.add', { user: 'alice' }), null, 'answered from memory, without a promise')
  t.equal(lookups(), 1, 'one lookup for 101 requests')
  records.delete(made.id)
  advance(4999)
  t.equal(session.admit('event.add', { user: 'alice' }), null, 'still valid within the period')
  advance(1)
  const refusal = await session.admit('event.add', { user: 'alice' })
  t.match(refusal, { body: { code: 'UNAUTHENTICATED', message: /event\.add: token [0-9a-f]{12} is unknown or revoked/ } }, 'refused once the period is over')
  t.equal(lookups(), 2)
})

t.test('a token whose hash does not match its record is refused, and the refusal is logged without the token', async (t) => {
  const { gate, records, warnings } = setup()
  const made = newToken()
  records.set(made.id, { id: made.id, hash: hashToken('something else'), grant: { role: 'admin' }, label: '', createdAt: '' })
  const refusal = await gate.connect({ authorization: `Bearer ${made.token}` }, '10.0.0.9').admit('user.list', {})
  t.match(refusal, { body: { code: 'UNAUTHENTICATED' } })
  t.match(warnings.join('\n'), /refused a client credential .*10\.0\.0\.9/)
  t.notOk(warnings.join('\n').includes(made.token.slice(17)), 'the secret part of the token is not logged')
})

t.test('the bootstrap admin token is an admin; one made for another cluster is not', async (t) => {
  const { gate } = setup()
  t.equal(await gate.connect({ authorization: `Bearer ${rootToken(secret, 'acme')}` }, null).admit('token.create', {}), null)
  t.match(await gate.connect({ authorization: `Bearer ${rootToken(secret, 'globex')}` }, null).admit('token.create', {}), { body: { code: 'UNAUTHENTICATED' } })
})

t.test('a peer credential opens one connection, which stays open past the credential window; a replay is refused', async (t) => {
  const { gate, advance, warnings } = setup()
  advance(1_000_000)
  const credential = peerCredential(secret, 'acme', 'lon-1', 'nyc', 1_000_000)
  const session = gate.connect({ authorization: credential }, '10.0.0.2')
  t.equal(await session.admit('directory.learn', {}), null, 'the peer is admitted')
  const replay = await gate.connect({ authorization: credential }, '10.0.0.66').admit('directory.learn', {})
  t.match(replay, { body: { code: 'UNAUTHENTICATED', message: /peer credential of lon-1 was already used on another connection/ } }, 'the captured credential opens no second connection')
  t.match(warnings.join('\n'), /10\.0\.0\.66/, 'and the replay is logged with its address')
  advance(65_000)
  t.equal(session.admit('directory.learn', {}), null, 'the first connection is still the peer 65 s later (its proof was for the connection)')
  const late = await gate.connect({ authorization: credential }, '10.0.0.66').admit('directory.learn', {})
  t.match(late, { body: { code: 'UNAUTHENTICATED', message: /more than 60000 ms/ } }, 'after the window the credential is simply too old')
  const fresh = peerCredential(secret, 'acme', 'lon-1', 'nyc', 1_065_000)
  t.equal(await gate.connect({ authorization: fresh }, '10.0.0.2').admit('directory.learn', {}), null, 'a fresh credential opens a new connection')
  const elsewhere = await gate.connect({ authorization: peerCredential(secret, 'acme', 'lon-1', 'tok', 1_065_000) }, null).admit('directory.learn', {})
  t.match(elsewhere, { body: { code: 'UNAUTHENTICATED', message: /made for office tok, not this office \(nyc\)/ } }, 'one made for another office is refused')
})
