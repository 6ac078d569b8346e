/**
 * One real office (a single `dms node`) for the CLI's iCalendar tests, a scratch directory, and
 * the `dms` CLI pointed at it: `dms` gives stdout and throws on a non-zero exit, `json` parses --json.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { startTestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'

export interface IcalTestOffice {
  readonly configPath: string
  readonly dir: string
  dms(...args: string[]): Promise<string>
  json(...args: string[]): Promise<any>
}

export async function startIcalTestOffice(t: Test): Promise<IcalTestOffice> {
  const cluster = await startTestCluster(t, { replicaCount: 1 })
  await cluster.waitForLeader('nyc')
  const dir = await mkdtemp(join(tmpdir(), 'dms-ical-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const dms = async (...args: string[]): Promise<string> => {
    const run = await runDms([...args, '--config', cluster.configPath])
    if (run.code !== 0) throw new Error(`dms ${args.join(' ')} exited ${run.code}: ${run.stderr}`)
    return run.stdout
  }
  return { configPath: cluster.configPath, dir, dms, json: async (...args) => JSON.parse(await dms(...args, '--json')) }
}
