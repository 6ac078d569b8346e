/** The token merge between offices: absent < live < revoked, whatever order entries arrive in; digests ignore each office's own stamps. */
import t from 'tap'
import { bootstrapEntryId } from '../../src/security/client-credentials.js'
import { ClusterSecret } from '../../src/security/cluster-secret.js'
import { mergeReplaces, tokenDigest, type TokenEntry } from '../../src/security/token-sync.js'

const ID = '0123456789ab'
const key = `dms.tokens/${ID}`
const live = (createdAt: string) => JSON.stringify({ id: ID, hash: 'a'.repeat(64), grant: { role: 'user', user: 'alice' }, label: '', createdAt })
const revoked = JSON.stringify({ id: ID, revokedAt: '2026-03-01T00:00:00.000Z' })

t.test('a live token is copied only where the id is absent; a revocation replaces anything but a revocation', async (t) => {
  t.equal(mergeReplaces(null, live('2026-01-01T00:00:00.000Z')), true, 'absent -> live')
  t.equal(mergeReplaces(live('2026-01-01T00:00:00.000Z'), live('2026-01-02T00:00:00.000Z')), false, 'live stays as it is')
  t.equal(mergeReplaces(live('2026-01-01T00:00:00.000Z'), revoked), true, 'live -> revoked')
  t.equal(mergeReplaces(null, revoked), true, 'absent -> revoked (the token can never be made live here later)')
  t.equal(mergeReplaces(revoked, live('2026-01-01T00:00:00.000Z')), false, 'a revoked token is never revived')
  t.equal(mergeReplaces(revoked, revoked), false, 'nothing to do')
  t.equal(mergeReplaces(null, '{"not":"a token"}'), false, 'unreadable entries are not copied')
  t.equal(mergeReplaces(null, 'not json'), false)
})

t.test('merging in any order ends in the same state', async (t) => {
  const apply = (order: string[]): string | null => order.reduce<string | null>((current, incoming) => (mergeReplaces(current, incoming) ? incoming : current), null)
  const entries = [live('2026-01-01T00:00:00.000Z'), revoked, live('2026-01-02T00:00:00.000Z')]
  const orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]].map((o) => o.map((i) => entries[i] as string))
  for (const order of orders) t.equal(apply(order), revoked, 'revoked, whichever came first')
})

t.test('offices holding the same tokens have the same digest although each stamped its own createdAt', async (t) => {
  const a: TokenEntry[] = [{ key, value: live('2026-01-01T00:00:00.000Z') }]
  const b: TokenEntry[] = [{ key, value: live('2026-01-01T00:00:05.000Z') }]
  t.equal(tokenDigest(a), tokenDigest(b))
  t.not(tokenDigest(a), tokenDigest([{ key, value: revoked }]), 'a revocation changes it')
  t.not(tokenDigest(a), tokenDigest([]), 'so does a missing token')
  t.equal(tokenDigest([...a, { key: 'dms.tokens/ffffffffffff', value: 'junk' }]), tokenDigest(a), 'unreadable entries do not count')
})

t.test("the bootstrap admin token's revocation travels like any other, and names one secret's token", async (t) => {
  const id = bootstrapEntryId(ClusterSecret.fromText('s'.repeat(32), 'test'), 'acme')
  t.match(id, /^root-[0-9a-f]{12}$/)
  t.equal(bootstrapEntryId(ClusterSecret.fromText('s'.repeat(32), 'again'), 'acme'), id, 'the same for the same secret and cluster')
  t.not(bootstrapEntryId(ClusterSecret.fromText('t'.repeat(32), 'test'), 'acme'), id, 'a new secret: a bootstrap token no earlier revocation names')
  t.not(bootstrapEntryId(ClusterSecret.fromText('s'.repeat(32), 'test'), 'globex'), id, 'another cluster: likewise')
  const root = JSON.stringify({ id, revokedAt: '2026-03-01T00:00:00.000Z' })
  t.equal(mergeReplaces(null, root), true, 'an office that still accepts it learns the revocation')
  t.equal(mergeReplaces(root, root), false)
  t.not(tokenDigest([{ key: `dms.tokens/${id}`, value: root }]), tokenDigest([]), 'and offices see they differ until it has')
  t.equal(mergeReplaces(null, JSON.stringify({ id, hash: 'a'.repeat(64), grant: { role: 'admin' }, label: '', createdAt: '' })), false, 'nobody can make it a stored token')
})
