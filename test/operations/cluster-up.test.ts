/**
 * `dms cluster up` as the README and the operations guide describe it, on a real office of three
 * processes: it boots and says so; every replica line it relays is JSON naming node and office; a
 * replica killed with SIGKILL is reported (naming its office) and restarted; SIGINT stops every
 * replica and exits 0; the next `cluster up` on the same data directory has the data back.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { freePort, tsxLauncher } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'

t.setTimeout(240_000)

const WAIT_MS = 90_000

/** A running `dms cluster up` and everything it printed so far. */
interface Supervisor {
  readonly child: ChildProcess
  stdout: string
  stderr: string
  exit: Promise<number | null>
}

function clusterUp(configPath: string, dataDir: string): Supervisor {
  const child = spawn(tsxLauncher.command, [...tsxLauncher.args, 'cluster', 'up', '--config', configPath, '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] })
  const supervisor: Supervisor = { child, stdout: '', stderr: '', exit: new Promise((resolve) => child.once('exit', (code) => resolve(code))) }
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (supervisor.stdout += chunk))
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (supervisor.stderr += chunk))
  return supervisor
}

async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT_MS
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** The JSON lines the supervisor relayed, with the replica id of their `[id]` prefix. */
function replicaLines(stderr: string): Array<{ prefix: string; event: Record<string, unknown> }> {
  return [...stderr.matchAll(/^\[([a-z]+-\d+)\] (\{.*\})$/gm)].map((m) => ({ prefix: m[1]!, event: JSON.parse(m[2]!) as Record<string, unknown> }))
}

const pidOf = (stderr: string, node: string): number[] =>
  replicaLines(stderr).filter((l) => l.prefix === node && /listening on/.test(String(l.event.msg))).map((l) => Number(l.event.pid))

t.test('cluster up: boot, relayed logs, a killed replica restarted, a clean stop, data back on the next up', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'dms-cluster-up-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const config = JSON.parse(await readFile('cluster-configs/single-office.json', 'utf8'))
  config.clusterId = `cluster-up-${process.pid}`
  for (const replica of config.offices[0].replicas) replica.port = await freePort()
  const configPath = join(dir, 'cluster.json')
  await writeFile(configPath, JSON.stringify(config))
  const dataDir = join(dir, 'data')
  const dms = async (...args: string[]): Promise<any> => {
    const run = await runDms([...args, '--config', configPath, '--json'])
    if (run.code !== 0) throw new Error(`dms ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
    return JSON.parse(run.stdout)
  }

  const first = clusterUp(configPath, dataDir)
  t.teardown(() => first.child.kill('SIGKILL'))
  await until('the cluster to come up', () => first.stdout.includes('The cluster is up'))
  t.match(first.stdout, /nyc \(America\/New_York\): leader nyc-\d, term \d+/)
  t.match(first.stderr, /^dms: started 3 replicas of 1 offices; waiting for leaders$/m, 'off a terminal: the milestone only, no redraws')
  t.notMatch(first.stderr, /\r|\x1b\[K/)
  await dms('kv', 'put', 'persisted', 'yes')

  const [victim] = pidOf(first.stderr, 'nyc-1')
  t.ok(victim !== undefined && victim > 0, 'nyc-1 logged its pid')
  process.kill(victim!, 'SIGKILL')
  await until('nyc-1 restarted', () => pidOf(first.stderr, 'nyc-1').length === 2)
  t.match(first.stderr, /^dms: replica nyc-1 of office nyc exited \(signal SIGKILL\); restarting in 1000 ms$/m)
  t.not(pidOf(first.stderr, 'nyc-1')[1], victim, 'a new process')

  first.child.kill('SIGINT')
  t.equal(await first.exit, 0, 'SIGINT: exit 0')
  t.match(first.stderr, /^dms: SIGINT: stopping 3 replicas$/m)
  t.match(first.stderr, /^dms: all replicas stopped$/m)
  const lines = replicaLines(first.stderr)
  t.ok(lines.length >= 6, `${lines.length} replica lines relayed`)
  for (const { prefix, event } of lines) {
    if (event.node !== prefix || event.office !== 'nyc' || typeof event.level !== 'string' || typeof event.msg !== 'string') t.fail(`a line without its node and office: ${JSON.stringify(event)}`)
  }
  t.ok(lines.filter((l) => l.event.msg === `SIGTERM: stopping replica ${l.prefix}`).length >= 3, 'each replica logged its clean stop')
  const other = first.stderr.split('\n').filter((line) => line.length > 0 && !line.startsWith('[') && !line.startsWith('dms: '))
  t.same(other, [], 'every other stderr line is the supervisor\'s own, starting with "dms: "')

  const second = clusterUp(configPath, dataDir)
  t.teardown(() => second.child.kill('SIGKILL'))
  await until('the cluster to come up again', () => second.stdout.includes('The cluster is up'))
  t.match(await dms('kv', 'get', 'persisted'), { key: 'persisted', value: 'yes' }, 'the data directory was recovered')
  second.child.kill('SIGINT')
  t.equal(await second.exit, 0)
})
