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
  reporter.line('[nyc-1] {"msg":"became leader of term 2"}')
  reporter.update('3/3 s')
  reporter.done()
}

t.test('--json: no progress on stderr, only the other lines', async (t) => {
  const { stream, writes } = recorder(true)
  exercise(progressReporter('dms bench', { json: true }, stream))
  t.same(writes, ['[nyc-1] {"msg":"became leader of term 2"}\n'])
})

t.test('stderr not a terminal: milestones as lines, no redraws', async (t) => {
  const { stream, writes } = recorder(false)
  exercise(progressReporter('dms bench', { json: false }, stream))
  t.same(writes, ['dms bench: booted\n', 'dms bench: fault injected\n', '[nyc-1] {"msg":"became leader of term 2"}\n'])
})

t.test('a terminal: the status line is rewritten in place, cleared for each other line and redrawn under it, cleared at the end', async (t) => {
  const { stream, writes } = recorder(true)
  exercise(progressReporter('dms bench', { json: false }, stream))
  t.same(writes, [
    'dms bench: booted\n',
    '\r\x1b[Kdms bench: 1/3 s',
    '\r\x1b[Kdms bench: 2/3 s',
    '\r\x1b[K',
    'dms bench: fault injected\n',
    'dms bench: 2/3 s',
    '\r\x1b[K',
    '[nyc-1] {"msg":"became leader of term 2"}\n',
    'dms bench: 2/3 s',
    '\r\x1b[Kdms bench: 3/3 s',
    '\r\x1b[K',
  ])
})
