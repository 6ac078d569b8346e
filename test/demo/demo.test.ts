/**
 * `npm run demo` as a test: the whole scripted scenario against a fresh nine-replica cluster
 * (nodes started through tsx, so no build is needed); it fails on the first step that does not
 * check out, with the narration so far and the replicas' last log lines.
 */
import t from 'tap'
import { tsxLauncher } from '../integration/cluster-fixture.js'
import { runDemo } from './demo-scenario.js'

t.test('the demonstration checks out step by step', async (t) => {
  const narration: string[] = []
  try {
    await runDemo({ launcher: tsxLauncher, print: (line) => narration.push(line) })
  } catch (error) {
    t.fail(`${(error as Error).message}\n${narration.join('\n')}`)
    return
  }
  t.ok(narration.includes('demo: every step checked out'))
  t.ok(narration.some((line) => line.startsWith('conflict: ')), 'the conflicts were shown')
  t.ok(narration.some((line) => line.startsWith('  ! ')), 'the override warnings were shown')
})
