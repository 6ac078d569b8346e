/** `dms status`: every office's leader, term and members, as a table or JSON. */
import type { Command } from 'commander'
import { queryClusterStatus, type ClusterStatus } from '../../src/cluster/cluster-status.js'
import { loadConfigForCli } from '../cli-config.js'
import { formatTable, printResult } from '../cli-output.js'

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description("each office's leader, term, commit and applied index, and each member's health")
    .option('--config <file>', 'cluster config', 'cluster-configs/local.json')
    .option('--json', 'print one JSON document')
    .action(async (options: { config: string; json?: boolean }) => {
      const status = await queryClusterStatus(await loadConfigForCli(options.config))
      printResult(options.json === true, status, formatClusterStatus)
    })
}

export function formatClusterStatus(status: ClusterStatus): string {
  const rows = status.offices.flatMap((office) =>
    office.members.map((m) => [
      office.id,
      m.id,
      m.up ? (m.role ?? '?') : 'DOWN',
      m.term === null ? '-' : String(m.term),
      m.commitIndex === null ? '-' : String(m.commitIndex),
      m.appliedIndex === null ? '-' : String(m.appliedIndex),
      m.url,
    ]),
  )
  const summary = status.offices.map((o) => `${o.id} (${o.timeZone}): leader ${o.leader ?? 'NONE'}, term ${o.term ?? '-'}`)
  return [
    `cluster ${status.clusterId}${status.tzdb === null ? '' : `, tz database ${status.tzdb}`}`,
    ...summary,
    '',
    formatTable(['office', 'replica', 'role', 'term', 'commit', 'applied', 'endpoint'], rows),
  ].join('\n')
}
