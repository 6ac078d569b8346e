/**
 * Reads `.cpuprofile` files (from `node --cpu-prof`, e.g. `npm run bench:kv -- --cpu-prof DIR`)
 * and prints where the time went: self time per function and per source file, as a share of the
 * samples. This is how the KV work was profiled (docs/BENCHMARKS.md); wall-clock rates on a shared
 * machine are noise, profiles are not.
 *
 *   npx tsx test/bench/cpu-profile-summary.ts [--top 40] [--by function|file] FILE.cpuprofile...
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[]
  readonly samples: readonly number[]
  readonly timeDeltas: readonly number[]
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '40' }, by: { type: 'string', default: 'function' } },
})
const top = Number(values.top)
if (!Number.isSafeInteger(top) || top < 1) exit(`--top: expected a positive integer, got "${values.top}"`)
if (values.by !== 'function' && values.by !== 'file') exit(`--by: expected "function" or "file", got "${values.by}"`)
if (positionals.length === 0) exit('give one or more .cpuprofile files')

for (const path of positionals) {
  let profile: CpuProfile
  try {
    profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile
  } catch (error) {
    exit(`${path}: not a readable CPU profile (${(error as Error).message})`)
  }
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]))
  const selfUs = new Map<string, number>()
  let totalUs = 0
  profile.samples.forEach((id, i) => {
    const node = byNode.get(id)
    const delta = profile.timeDeltas[i] ?? 0
    if (node === undefined) return
    totalUs += delta
    const label = values.by === 'file' ? fileOf(node) : `${node.callFrame.functionName || '(anonymous)'} ${fileOf(node)}:${node.callFrame.lineNumber + 1}`
    selfUs.set(label, (selfUs.get(label) ?? 0) + delta)
  })
  const idleUs = [...selfUs].filter(([label]) => label.startsWith('(idle)')).reduce((sum, [, us]) => sum + us, 0)
  const busyUs = totalUs - idleUs
  console.log(`\n${path}: ${(totalUs / 1e6).toFixed(1)} s sampled, ${(busyUs / 1e6).toFixed(2)} s busy`)
  const ranked = [...selfUs].filter(([label]) => !label.startsWith('(idle)')).sort((a, b) => b[1] - a[1])
  for (const [label, us] of ranked.slice(0, top)) {
    console.log(`${((100 * us) / Math.max(1, busyUs)).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${label}`)
  }
}

/** The source file, shortened to what follows node_modules/ or the repository's dist/. */
function fileOf(node: ProfileNode): string {
  const url = node.callFrame.url
  if (url === '') return '(native)'
  const modules = url.lastIndexOf('node_modules/')
  if (modules >= 0) return url.slice(modules + 'node_modules/'.length)
  const dist = url.indexOf('/dist/')
  return dist >= 0 ? url.slice(dist + '/dist/'.length) : url
}

function exit(message: string): never {
  process.stderr.write(`${message}\n`)
  process.exit(2)
}
