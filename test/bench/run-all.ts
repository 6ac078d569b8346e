/**
 * `npm run bench`: every benchmark script, one after another (they would distort each other in
 * parallel on a 2-core machine), each as its own `npm run bench:<name>`. Output goes straight to
 * the terminal; docs/BENCHMARKS.md records the figures with these commands.
 *
 *   npm run bench [-- --only recurrence,suggestions]
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

const { values } = parseArgs({ options: { only: { type: 'string' } } })
const scripts = Object.keys((JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts)
  .filter((name) => name.startsWith('bench:'))
  .map((name) => name.slice('bench:'.length))
const selected = values.only === undefined ? scripts : values.only.split(',')
const unknown = selected.filter((name) => !scripts.includes(name))
if (unknown.length > 0) {
  process.stderr.write(`--only: unknown benchmark(s) ${unknown.join(', ')}; known: ${scripts.join(', ')}\n`)
  process.exit(2)
}
let failed = 0
for (const name of selected) {
  process.stderr.write(`\n=== npm run bench:${name}\n`)
  const result = spawnSync('npm', ['run', '--silent', `bench:${name}`], { stdio: 'inherit' })
  if (result.status !== 0) {
    failed++
    process.stderr.write(`bench:${name} failed (exit ${result.status ?? result.signal})\n`)
  }
}
process.exit(failed === 0 ? 0 : 1)
