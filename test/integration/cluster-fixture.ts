/**
 * Real multi-process clusters for integration tests: an EphemeralCluster of `dms node` children
 * started through tsx (so tests need no build), always stopped and deleted on teardown.
 */
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { EphemeralCluster, freeLoopbackPort } from '../../src/cluster/ephemeral-cluster.js'
import type { NodeLauncher } from '../../src/cluster/replica-process.js'

const REPO = resolve(fileURLToPath(new URL('../..', import.meta.url)))

export const tsxLauncher: NodeLauncher = {
  command: process.execPath,
  args: ['--import', 'tsx', join(REPO, 'cli/dms.ts')],
}

export const freePort = freeLoopbackPort

export type TestCluster = EphemeralCluster

const ZONES: Record<string, string> = { nyc: 'America/New_York', lon: 'Europe/London', tok: 'Asia/Tokyo' }

/** Offices (default: one, nyc) of `replicaCount` replicas each, started now, stopped on teardown. */
export async function startTestCluster(
  t: Test,
  options: { offices?: readonly string[]; replicaCount?: number; nodeArgs?: readonly string[] } = {},
): Promise<TestCluster> {
  const cluster = await EphemeralCluster.create({
    launcher: tsxLauncher,
    offices: (options.offices ?? ['nyc']).map((id) => ({ id, timeZone: ZONES[id] ?? 'UTC', replicas: options.replicaCount ?? 3 })),
    ...(options.nodeArgs === undefined ? {} : { nodeArgs: options.nodeArgs }),
  })
  t.teardown(() => cluster.stop())
  cluster.startAll()
  return cluster
}
