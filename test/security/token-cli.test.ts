/**
 * Tokens as an operator handles them: the real `dms` CLI (child processes) against a running
 * replica with client authentication on. `dms token create` prints the token once; `dms` presents
 * it from DMS_TOKEN or --token-file; the bootstrap admin token can be revoked once a named admin
 * exists; and afterwards neither the replica's LevelDB files nor any log line holds a token.
 */
import t from 'tap'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { runDms, type DmsRun } from '../integration/run-dms.js'
import { startSecuredOffice } from './secured-office.js'

/** The environment without any token, so the CLI falls back to what the config allows. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const { DMS_TOKEN: _token, DMS_TOKEN_FILE: _file, ...rest } = process.env
  return { ...rest, ...extra }
}

async function created(run: DmsRun): Promise<{ readonly id: string; readonly token: string }> {
  if (run.code !== 0) throw new Error(`dms token create failed: ${run.stderr}`)
  return JSON.parse(run.stdout) as { id: string; token: string }
}

/** Every file of the directory tree, as bytes. */
async function filesUnder(dir: string): Promise<Array<{ readonly path: string; readonly bytes: Buffer }>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true })
  const files = entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name))
  return Promise.all(files.map(async (path) => ({ path, bytes: await readFile(path) })))
}

t.test('dms token create / revoke / list, tokens from DMS_TOKEN and --token-file, revoking the bootstrap token', async (t) => {
  const office = await startSecuredOffice(t)
  const { configFile } = office
  const asBootstrap = envWith({})
  t.equal((await office.client(office.rootAuthorization).call('user.add', { id: 'alice', office: 'nyc' })).id, 'alice')

  const alice = await created(await runDms(['token', 'create', '--user', 'alice', '--label', 'laptop', '--config', configFile, '--json'], 60_000, asBootstrap))
  t.match(alice.token, /^dms_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/, 'the token is printed once')

  const asAlice = await runDms(['token', 'list', '--config', configFile], 60_000, envWith({ DMS_TOKEN: alice.token }))
  t.not(asAlice.code, 0)
  t.match(asAlice.stderr, /FORBIDDEN|token\.list: user "alice"/, 'DMS_TOKEN is presented (alice, not the bootstrap admin)')

  const early = await runDms(['token', 'revoke', 'root', '--config', configFile], 60_000, asBootstrap)
  t.not(early.code, 0, 'the bootstrap token cannot be revoked while it is the only admin credential')
  t.match(early.stderr, /create a named admin token first/)

  const admin = await created(await runDms(['token', 'create', '--admin', '--config', configFile, '--json'], 60_000, asBootstrap))
  const adminFile = join(office.dataDir, 'ops.token')
  await writeFile(adminFile, `${admin.token}\n`, { mode: 0o600 })

  const revoked = await runDms(['token', 'revoke', 'root', '--config', configFile, '--json'], 60_000, asBootstrap)
  t.equal(revoked.code, 0, revoked.stderr)
  t.same(JSON.parse(revoked.stdout), { id: 'root', revoked: true }, 'the bootstrap admin token is revoked')

  const refused = await runDms(['token', 'list', '--config', configFile], 60_000, asBootstrap)
  t.not(refused.code, 0)
  t.match(refused.stderr, /bootstrap admin token was revoked in this office/, 'the secret no longer makes an admin')

  const listed = await runDms(['--token-file', adminFile, 'token', 'list', '--config', configFile], 60_000, envWith({}))
  t.equal(listed.code, 0, listed.stderr)
  t.match(listed.stdout, /user alice/, '--token-file presents the named admin token')
  t.match(listed.stdout, /bootstrap admin token of the current secret: revoked/)
  t.notMatch(listed.stdout, new RegExp(alice.token.slice(17)), 'the list shows no token')

  const lastAdmin = await runDms(['--token-file', adminFile, 'token', 'revoke', admin.id, '--config', configFile], 60_000, envWith({}))
  t.not(lastAdmin.code, 0, 'the last admin token cannot be revoked while the bootstrap token is')
  t.match(lastAdmin.stderr, /is the last admin credential of this office/)

  const aliceId = alice.id
  t.equal((await runDms(['--token-file', adminFile, 'token', 'revoke', aliceId, '--config', configFile], 60_000, envWith({}))).code, 0)
  const gone = await runDms(['token', 'list', '--config', configFile], 60_000, envWith({ DMS_TOKEN: alice.token }))
  t.match(gone.stderr, /unknown or revoked/, "alice's revoked token no longer connects")

  // Nothing of a token is stored or logged: not the whole token, not its secret part.
  await office.stop()
  const secrets = [alice.token, admin.token].flatMap((token) => [token, token.slice(17)])
  for (const { path, bytes } of await filesUnder(join(office.dataDir, 'nyc-1'))) {
    for (const secret of secrets) t.notOk(bytes.includes(secret), `${path.slice(office.dataDir.length)} holds no token`)
  }
  const db = new Level<Buffer, Buffer>(join(office.dataDir, 'nyc-1'), { keyEncoding: 'buffer', valueEncoding: 'buffer' })
  let entries = 0
  let hashes = 0
  for await (const [key, value] of db.iterator()) {
    entries++
    const text = Buffer.concat([key, value])
    for (const secret of secrets) if (text.includes(secret)) t.fail(`LevelDB entry ${key.toString('utf8').slice(0, 60)} holds a token`)
    if (text.includes('"hash"')) hashes++
  }
  await db.close()
  t.ok(entries > 0, `${entries} LevelDB entries read, none holding a token`)
  t.ok(hashes > 0, 'the token records are there, as hashes')
  const logs = office.logLines.join('\n')
  t.ok(office.logLines.length > 0)
  for (const secret of secrets) t.notOk(logs.includes(secret), 'no log line of the replica holds a token')
  t.ok(office.warnings.some((w) => w.includes('refused a client credential') && w.includes('bootstrap admin token was revoked')), 'the refused bootstrap token was logged (without it)')
})
