/**
 * The bench's attribution of slow puts to garbage-collection pauses: which puts count as slow,
 * which met a pause (in any process, however the pauses overlap), and how the log is read.
 */
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { attributeTail, parsePauseLog, type ProcessPause } from '../../src/bench/pause-overlap.js'

const put = (startMs: number, latencyMs: number) => ({ endMs: startMs + latencyMs, latencyMs })
const pause = (process: string, startMs: number, durationMs: number, kind: ProcessPause['kind'] = 'scavenge'): ProcessPause => ({ process, kind, startMs, durationMs })

t.test('slow puts that were outstanding during a pause in any process meet it; the others do not', async (t) => {
  const puts = [
    put(0, 1), // fast, before every pause
    put(10, 5), // slow, overlaps pause A (12-14)
    put(20, 5), // slow, no pause
    put(30, 1), // fast, overlaps pause B (30.5-31.5, another process)
    put(40, 6), // slow, overlaps B' and C (two processes, overlapping each other)
    put(50, 1), // fast, ends exactly when pause D starts: touching counts as meeting
  ]
  const pauses = [pause('a', 12, 2), pause('b', 30.5, 1), pause('b', 41, 2), pause('c', 42, 3, 'mark-compact'), pause('a', 51, 1)]
  const result = attributeTail(puts, pauses, 2)
  t.equal(result.puts, 6)
  t.equal(result.slowShare, 3 / 6)
  t.equal(result.slowMeetingPauseShare, 2 / 3)
  t.equal(result.fastMeetingPauseShare, 2 / 3)
  // Four paused stretches, 7 ms of 51: a put of L ms meets one by chance with (7 + 4L) / 51.
  t.equal(result.slowMeetingPauseByChance, (27 / 51 + 27 / 51 + 31 / 51) / 3)
  // Window 0-51; paused 12-14, 30.5-31.5, 41-45 (the overlap counted once), 51 (its start only).
  t.equal(result.pausedTimeShare, (2 + 1 + 4) / 51)
  t.same(
    result.perProcess.map((p) => [p.process, p.scavenges, p.markCompacts, p.maxMs]),
    [
      ['a', 2, 0, 2],
      ['b', 2, 0, 2],
      ['c', 0, 1, 3],
    ],
  )
  t.equal(result.perProcess[0]?.scavengeMeanMs, 1.5)
})

t.test('pauses outside the window are ignored, and no pause means no slow put met one', async (t) => {
  const puts = [put(100, 3), put(110, 1)]
  const result = attributeTail(puts, [pause('a', 10, 5), pause('a', 200, 5)], 2)
  t.equal(result.slowShare, 1 / 2)
  t.equal(result.slowMeetingPauseShare, 0)
  t.equal(result.pausedTimeShare, 0)
  t.same(result.perProcess, [])
})

t.test('bad inputs are refused with a message naming them', async (t) => {
  t.throws(() => attributeTail([], [], 2), /no puts/)
  t.throws(() => attributeTail([put(0, 1)], [], 0), /thresholdMs must be positive, got 0/)
  t.throws(() => parsePauseLog('42', '1.5 scavenge 0.4\n1.6 nap 1\n'), /pause log of 42, line 2: .*"1.6 nap 1"/)
  t.throws(() => parsePauseLog('42', '1.5 scavenge\n'), /line 1/)
  t.throws(() => parsePauseLog('42', '1.5 scavenge -1\n'), /line 1/)
  t.same(parsePauseLog('42', '1.5 scavenge 0.4\n1.6 scav'), [{ process: '42', kind: 'scavenge', startMs: 1.5, durationMs: 0.4 }], 'a line still being written is left for later')
})

t.test('the preload logs a real process\'s pauses in the format the parser reads', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'dms-gc-test-'))
  t.teardown(() => rmSync(directory, { recursive: true, force: true }))
  const preload = fileURLToPath(new URL('./gc-pause-log.cjs', import.meta.url))
  // Allocates enough short-lived garbage for a few scavenges, and forces one full collection.
  const script = 'let keep = []; for (let i = 0; i < 2e6; i++) { keep.push({ i }); if (keep.length > 1000) keep = [] } globalThis.gc(); setTimeout(() => {}, 100)'
  const run = spawnSync(process.execPath, ['--expose-gc', '--require', preload, '-e', script], {
    env: { ...process.env, DMS_GC_LOG_DIR: directory },
    encoding: 'utf8',
    timeout: 30_000,
  })
  t.equal(run.status, 0, run.stderr)
  const files = readdirSync(directory)
  t.same(files, [`gc-${run.pid}.log`])
  const pauses = parsePauseLog(String(run.pid), readFileSync(join(directory, files[0] as string), 'utf8'))
  t.ok(pauses.some((p) => p.kind === 'scavenge'), 'scavenges logged')
  t.ok(pauses.some((p) => p.kind === 'mark-compact'), 'the forced full collection logged')
  const now = Date.now()
  t.ok(pauses.every((p) => p.startMs > now - 60_000 && p.startMs <= now), 'wall-clock start times')
})

t.test('the preload refuses to run without a log directory', async (t) => {
  const preload = fileURLToPath(new URL('./gc-pause-log.cjs', import.meta.url))
  const env = { ...process.env }
  delete env.DMS_GC_LOG_DIR
  const run = spawnSync(process.execPath, ['--require', preload, '-e', '0'], { env, encoding: 'utf8', timeout: 30_000 })
  t.not(run.status, 0)
  t.match(run.stderr, /needs DMS_GC_LOG_DIR/)
})
