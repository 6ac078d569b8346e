import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

// Runs the real `dms` entry point (TypeScript through tsx), as a user would.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dms = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'cli', 'dms.ts'), ...args], { cwd: root, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout, stderr })
    })
  })

const SEED_ARGS = [
  'recur', 'expand', '--dtstart', '2026-01-21T10:00', '--tz', 'America/New_York',
  '--rule', 'RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11',
  '--rule', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR',
  '--from', '2026-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z',
]

t.test('the contract example prints the seed dates as one JSON document', async (t) => {
  const { code, stdout, stderr } = await dms([...SEED_ARGS, '--json'])
  t.equal(code, 0, stderr)
  t.equal(stdout.trim().split('\n').length, 1, 'one line on stdout')
  const parsed = JSON.parse(stdout) as { occurrences: Array<{ start: string; local: string }> }
  // Third Wednesdays of Jan-Nov 2026 and Friday Nov 20 (see the seed-pattern unit test for the
  // calendar arithmetic); New York is UTC-5 until Mar 8 and from Nov 1, UTC-4 between.
  const days = ['01-21', '02-18', '03-18', '04-15', '05-20', '06-17', '07-15', '08-19', '09-16', '10-21', '11-18', '11-20']
  const edt = (day: string) => day >= '03-08' && day < '11-01'
  t.same(
    parsed.occurrences,
    days.map((day) => ({
      start: `2026-${day}T${edt(day) ? '14' : '15'}:00:00.000Z`,
      local: `2026-${day}T10:00:00.000${edt(day) ? '-04:00' : '-05:00'}`,
    })),
  )
  t.ok(
    stdout.startsWith('{"occurrences":[{"start":"2026-01-21T15:00:00.000Z","local":"2026-01-21T10:00:00.000-05:00"},'),
    'exact shape and key order',
  )
})

t.test('without --json: a readable table', async (t) => {
  const { code, stdout } = await dms(SEED_ARGS)
  t.equal(code, 0)
  t.match(stdout, /2026-11-20T15:00:00\.000Z\s+2026-11-20T10:00:00\.000-05:00\s+Fri/)
  t.match(stdout, /12 occurrences\n$/)
})

t.test('bad input: non-zero exit, one line on stderr naming the input', async (t) => {
  const zone = await dms(['recur', 'expand', '--dtstart', '2026-01-21T10:00', '--tz', 'Mars/Base', '--from', '2026-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z', '--json'])
  t.not(zone.code, 0)
  t.equal(zone.stderr, 'dms: --tz: unknown time zone "Mars/Base"\n')
  t.equal(zone.stdout, '')
  const rule = await dms(['recur', 'expand', '--dtstart', '2026-01-21T10:00', '--tz', 'UTC', '--rule', 'RRULE:FREQ=MONTHLY;BYDAY=3XX', '--from', '2026-01-01T00:00:00Z', '--to', '2027-01-01T00:00:00Z'])
  t.not(rule.code, 0)
  t.equal(rule.stderr, 'dms: --rule "RRULE:FREQ=MONTHLY;BYDAY=3XX": RRULE: unknown BYDAY value "3XX" (expected e.g. MO, 3WE or -2FR)\n')
  const window = await dms(['recur', 'expand', '--dtstart', '2026-01-21T10:00', '--tz', 'UTC', '--from', '2026-01-01T00:00:00Z', '--to', 'next week'])
  t.not(window.code, 0)
  t.match(window.stderr, /^dms: --to: "next week" is not a local date-time/)
})

t.test('--version reports the tz database', async (t) => {
  const { code, stdout } = await dms(['--version'])
  t.equal(code, 0)
  t.match(stdout, /^\d+\.\d+\.\d+ \(tzdata \d{4}[a-z]\)\n$/)
})
