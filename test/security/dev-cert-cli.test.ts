/** `dms dev-cert` as an operator runs it: the files, their modes, the hosts named, and bad input named. */
import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { runDms } from '../integration/run-dms.js'

const run = promisify(execFile)

t.test('dms dev-cert writes a CA and a replica certificate for the config hosts; keys are private', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dms-dev-cert-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const out = join(dir, 'certs')
  const made = await runDms(['dev-cert', '--config', 'cluster-configs/five-offices.json', '--out', out, '--json'])
  t.equal(made.code, 0, made.stderr)
  const files = JSON.parse(made.stdout) as { certFile: string; keyFile: string; caFile: string; hosts: string[] }
  t.same(files.hosts, ['127.0.0.1'], 'the hosts of the config')
  t.equal((await stat(files.keyFile)).mode & 0o777, 0o600, 'the replica key is readable by its owner only')
  t.equal((await stat(join(out, 'ca-key.pem'))).mode & 0o777, 0o600, 'so is the CA key')
  const verified = await run('openssl', ['verify', '-CAfile', files.caFile, files.certFile])
  t.match(verified.stdout, /: OK/, 'the replica certificate is signed by the CA')
  const text = (await run('openssl', ['x509', '-in', files.certFile, '-noout', '-text'])).stdout
  t.match(text, /IP Address:127\.0\.0\.1/, 'it names the config host')
  t.match(text, /DNS:localhost/, 'and localhost')

  const refused = await runDms(['dev-cert', '--config', 'cluster-configs/local.json', '--out', join(dir, 'other'), '--days', '0'])
  t.not(refused.code, 0)
  t.match(refused.stderr, /--days: expected a whole number of days 1-3650, got "0"/)
})
