import t from 'tap'
import { progressReporter } from '../../cli/progress-reporter.js'

function recorder(isTTY: boolean) {
  const writes: string[] = []
  return { stream: { isTTY, write: (text: string) => writes.push(text) }, writes }
}

function exercise(reporter: ReturnType<typeof progressReporter>): void {
  reporter.note('booted')
  reporter.update('1/3 s')
  reporter.update('2/3 s')
  reporter.note('fault injected')
  reporter.update('3/3 s')
  reporter.done()
}

t.test('--json: nothing at all on stderr', async (t) => {
  const { stream, writes } = recorder(true)
  exercise(progressReporter('dms bench', { json: true }, stream))
  t.same(writes, [])
})

t.test('stderr not a terminal: milestones as lines, no redraws', async (t) => {
  const { stream, writes } = recorder(false)
  exercise(progressReporter('dms bench', { json: false }, stream))
  t.same(writes, ['dms bench: booted\n', 'dms bench: fault injected\n'])
})

t.test('a terminal: the status line is rewritten in place and cleared before milestones and at the end', async (t) => {
  const { stream, writes } = recorder(true)
  exercise(progressReporter('dms bench', { json: false }, stream))
  t.same(writes, [
    'dms bench: booted\n',
    '\r\x1b[Kdms bench: 1/3 s',
    '\r\x1b[Kdms bench: 2/3 s',
    '\r\x1b[K',
    'dms bench: fault injected\n',
    '\r\x1b[Kdms bench: 3/3 s',
    '\r\x1b[K',
  ])
})
