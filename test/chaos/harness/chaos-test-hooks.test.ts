/**
 * The replicas' test-only chaos hooks: absent unless DMS_CHAOS_HOOKS_DIR is set; the clock offset
 * file shifts the replica's wall clock (a missing or garbled file means no shift); the
 * after-decision hook does nothing unless the harness armed it with `stop` or `exit` (those end
 * or freeze the process, which the chaos runs and nemesis-self-stop.test.ts exercise with real
 * processes), and nothing once the harness disarmed it.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { CHAOS_HOOKS_ENV, chaosHookFiles, chaosTestHooksFromEnvironment } from '../../../src/node/chaos-test-hooks.js'

const clock = () => 1_000_000

t.test('no hooks without the environment variable', async (t) => {
  t.equal(chaosTestHooksFromEnvironment('nyc-1', {}, clock), null)
  t.equal(chaosTestHooksFromEnvironment('nyc-1', { [CHAOS_HOOKS_ENV]: '' }, clock), null)
})

t.test('the clock offset file shifts the wall clock; a garbled one does not', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'dms-hooks-test-'))
  t.teardown(() => rm(directory, { recursive: true, force: true }))
  const env = { [CHAOS_HOOKS_ENV]: directory }
  t.equal(chaosTestHooksFromEnvironment('nyc-1', env, clock)?.now(), 1_000_000, 'no file: no offset')
  await writeFile(chaosHookFiles(directory, 'nyc-1').clockOffset, '-25000')
  t.equal(chaosTestHooksFromEnvironment('nyc-1', env, clock)?.now(), 975_000, 'a jump back of 25 s')
  t.equal(chaosTestHooksFromEnvironment('nyc-2', env, clock)?.now(), 1_000_000, 'another replica keeps its clock')
  await writeFile(chaosHookFiles(directory, 'nyc-1').clockOffset, 'soon')
  t.equal(chaosTestHooksFromEnvironment('nyc-1', env, clock)?.now(), 1_000_000, 'garbled: no offset')
})

t.test('the after-decision hook is inert unless armed with stop or exit', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'dms-hooks-test-'))
  t.teardown(() => rm(directory, { recursive: true, force: true }))
  const hooks = chaosTestHooksFromEnvironment('lon-1', { [CHAOS_HOOKS_ENV]: directory }, clock)
  const files = chaosHookFiles(directory, 'lon-1')
  hooks?.afterDecision('mtg-lon-1')
  await writeFile(files.afterDecision, 'later')
  hooks?.afterDecision('mtg-lon-2')
  await t.rejects(readFile(files.afterDecision), 'an unknown action is taken')
  await t.rejects(readFile(files.afterDecisionDone), 'and ignored: nothing fired')
})

t.test('a hook the harness disarmed first is never acted on', async (t) => {
  const directory = await mkdtemp(join(tmpdir(), 'dms-hooks-test-'))
  t.teardown(() => rm(directory, { recursive: true, force: true }))
  const hooks = chaosTestHooksFromEnvironment('lon-1', { [CHAOS_HOOKS_ENV]: directory }, clock)
  const files = chaosHookFiles(directory, 'lon-1')
  await writeFile(files.afterDecision, 'stop')
  // The harness disarms by deleting the file; the replica takes it by renaming: one of them wins.
  await rm(files.afterDecision)
  hooks?.afterDecision('mtg-lon-3')
  await t.rejects(readFile(files.afterDecisionDone), 'the replica did not stop itself')
})
