/**
 * `npm run demo`: the scripted scenario against a freshly booted local cluster, using the built
 * `dms` (dist/). Exits 0 only if every step checked out.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { runDemo } from './demo-scenario.js'

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const DMS = join(REPO, 'dist/cli/dms.js')

if (!existsSync(DMS)) {
  process.stderr.write(`demo: ${DMS} is missing; build first (npm run build)\n`)
  process.exit(2)
}
try {
  await runDemo({ launcher: { command: process.execPath, args: [DMS] }, print: (line) => process.stdout.write(line + '\n') })
} catch (error) {
  process.stderr.write(`demo failed: ${(error as Error).message}\n`)
  process.exit(1)
}
