/** The process state quoted when a run does not quiesce: running, stopped (SIGSTOP), gone. Linux /proc only. */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import t from 'tap'
import { describeProcessState } from '../../../src/chaos/harness/process-state.js'

t.test('a replica that is not running, and this process', async (t) => {
  t.equal(await describeProcessState(null), 'not running')
  t.match(await describeProcessState(process.pid), /^(running|sleeping) \([RS]\), pid \d+$/)
})

t.test('a stopped child reads as stopped', { skip: process.platform !== 'linux' && 'reads /proc' }, async (t) => {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' })
  t.teardown(() => {
    child.kill('SIGKILL')
  })
  const pid = child.pid ?? null
  child.kill('SIGSTOP')
  // The stop takes effect asynchronously; poll briefly (bounded).
  let state = ''
  for (let attempt = 0; attempt < 50 && !state.startsWith('stopped'); attempt++) {
    state = await describeProcessState(pid)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.match(state, /^stopped \(T\)/)
  child.kill('SIGKILL')
  await once(child, 'exit')
  t.match(await describeProcessState(pid), /no \/proc entry|zombie/)
})
