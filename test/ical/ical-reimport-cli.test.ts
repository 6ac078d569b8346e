/**
 * `dms ical import` of the same file again, on a real office: nothing is duplicated; each event is
 * reported as added, updated, unchanged or older; a changed SEQUENCE / LAST-MODIFIED updates.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startTestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'

const GOOGLE = fileURLToPath(new URL('./fixtures/google-calendar.ics', import.meta.url))
const WINDOW = ['--from', '2026-03-01T00:00:00Z', '--to', '2026-05-01T00:00:00Z']
const CALL = /SEQUENCE:0\r?\nSTATUS:CONFIRMED\r?\nSUMMARY:Call with vendor/

t.test('importing a file twice keeps one copy; a newer revision updates, an older one is kept out', async (t) => {
  const cluster = await startTestCluster(t, { replicaCount: 1 })
  await cluster.waitForLeader('nyc')
  const dir = await mkdtemp(join(tmpdir(), 'dms-reimport-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const json = async (...args: string[]): Promise<any> => {
    const run = await runDms([...args, '--config', cluster.configPath, '--json'])
    if (run.code !== 0) throw new Error(`dms ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
    return JSON.parse(run.stdout)
  }
  const outcomes = (result: any): string[] => (result.imported as Array<{ uid: string; outcome: string }>).map((e) => `${e.uid} ${e.outcome}`).sort()
  const agenda = async () => ((await json('agenda', '--user', 'alice', ...WINDOW)).events as Array<{ id: string; start: string; title: string }>).map((e) => `${e.id} ${e.start} ${e.title}`)

  await json('user', 'add', '--id', 'alice', '--office', 'nyc')
  const first = await json('ical', 'import', '--user', 'alice', GOOGLE)
  t.same(outcomes(first), ['1a2b3c4d5e6f@google.com added', '4kq0standup9v1@google.com added'])
  const before = await agenda()
  t.ok(before.length >= 8, `the standup series and the call are on the agenda (${before.length} occurrences)`)

  const second = await json('ical', 'import', '--user', 'alice', GOOGLE)
  t.same(outcomes(second), ['1a2b3c4d5e6f@google.com unchanged', '4kq0standup9v1@google.com unchanged'])
  t.same(second.imported.map((e: { id: string }) => e.id), first.imported.map((e: { id: string }) => e.id), 'the same stored events are reported')
  t.match(second, { added: 0, updated: 0, unchanged: 2, older: 0 })
  t.same(await agenda(), before, 'the agenda is unchanged: nothing was duplicated')

  const original = await readFile(GOOGLE, 'utf8')
  t.match(original, CALL, 'the fixture has the call at SEQUENCE:0')
  const newer = join(dir, 'newer.ics')
  await writeFile(newer, original.replace(CALL, 'SEQUENCE:1\r\nSTATUS:CONFIRMED\r\nSUMMARY:Call with vendor (moved to room 2)'))
  const third = await json('ical', 'import', '--user', 'alice', newer)
  t.same(outcomes(third), ['1a2b3c4d5e6f@google.com updated', '4kq0standup9v1@google.com unchanged'])
  const after = await agenda()
  t.equal(after.length, before.length, 'still no copies')
  t.ok(after.some((line) => line.endsWith('Call with vendor (moved to room 2)')), 'the call has its new title')

  const fourth = await json('ical', 'import', '--user', 'alice', GOOGLE)
  t.same(outcomes(fourth), ['1a2b3c4d5e6f@google.com older', '4kq0standup9v1@google.com unchanged'], 'the first file is older than what is stored now')
  t.same(await agenda(), after)
})
