/**
 * GET /metrics with client authentication on needs a metrics token (`dms token create --metrics`)
 * or an admin token; a metrics token calls no RPC method. With authentication off it stays open.
 */
import t from 'tap'
import { newToken } from '../../src/security/client-credentials.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { startSecuredOffice, type SecuredOffice } from './secured-office.js'

async function scrape(office: SecuredOffice, authorization: string | null): Promise<{ readonly status: number; readonly body: string; readonly challenge: string | null }> {
  const url = office.url.replace('ws://', 'http://').replace('/client', '/metrics')
  const response = await fetch(url, authorization === null ? {} : { headers: { authorization } })
  return { status: response.status, body: await response.text(), challenge: response.headers.get('www-authenticate') }
}

async function token(office: SecuredOffice, grant: { role: 'metrics' } | { role: 'admin' } | { role: 'user'; user: string }): Promise<string> {
  const made = newToken()
  await office.client(office.rootAuthorization).call('token.create', { id: made.id, hash: made.hash, grant, label: grant.role })
  return `Bearer ${made.token}`
}

t.test('with client authentication on, /metrics needs a metrics or admin token', async (t) => {
  const office = await startSecuredOffice(t)
  await office.client(office.rootAuthorization).call('user.add', { id: 'alice', office: 'nyc' })
  const scraper = await token(office, { role: 'metrics' })

  const anonymous = await scrape(office, null)
  t.equal(anonymous.status, 401, 'no credential: refused')
  t.equal(anonymous.challenge, 'Bearer realm="dms metrics"')
  t.match(anonymous.body, /no credential/)
  t.notMatch(anonymous.body, /dms_raft|process_/, 'and no metric in the answer')

  const user = await scrape(office, await token(office, { role: 'user', user: 'alice' }))
  t.equal(user.status, 401, "a user's token: refused")
  t.match(user.body, /user "alice" .* may not read \/metrics/)
  t.equal((await scrape(office, 'Bearer dms_000000000000_' + 'A'.repeat(43))).status, 401, 'an unknown token: refused')
  t.ok(office.warnings.some((w) => w.startsWith('refused a metrics scrape')), 'refusals are logged')

  const scraped = await scrape(office, scraper)
  t.equal(scraped.status, 200, 'a metrics token reads the metrics')
  t.match(scraped.body, /# TYPE /)
  t.equal((await scrape(office, await token(office, { role: 'admin' }))).status, 200, 'so does an admin token')
  t.equal((await scrape(office, office.rootAuthorization)).status, 200, 'and the bootstrap admin token')

  try {
    await office.client(scraper).call('replica.status', {})
    t.fail('a metrics token called a method')
  } catch (err) {
    t.ok(err instanceof RpcError && err.code === 'FORBIDDEN', 'a metrics token calls no RPC method')
    t.match((err as Error).message, /replica\.status: metrics token [0-9a-f]{12} may not call it: a metrics token may only read \/metrics/)
  }
})

t.test('with client authentication off, /metrics is open like everything else', async (t) => {
  const office = await startSecuredOffice(t, { clientAuth: false })
  t.equal((await scrape(office, null)).status, 200)
})
