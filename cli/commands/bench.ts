/** `dms bench kv`: the same closed-loop put load against this project's KV or an etcd cluster. */
import type { Command } from 'commander'
import { connectDmsTarget } from '../../src/bench/dms-bench-target.js'
import { connectEtcdTarget } from '../../src/bench/etcd-bench-target.js'
import type { KvBenchTarget } from '../../src/bench/kv-bench-target.js'
import { runKvLoad } from '../../src/bench/kv-load.js'
import { officeClientUrls } from '../../src/config/cluster-topology.js'
import { parsePositiveInteger } from '../cli-arguments.js'
import { loadConfigForCli } from '../cli-config.js'
import { printResult } from '../cli-output.js'
import { progressReporter } from '../progress-reporter.js'

interface BenchKvOptions {
  readonly config: string
  readonly office?: string
  readonly concurrency: number
  readonly duration: number
  readonly target: string
  readonly endpoints?: string
  readonly json?: boolean
}

export function registerBenchCommands(program: Command): void {
  const bench = program.command('bench').description('measure throughput and latency')
  bench
    .command('kv')
    .description('closed-loop puts (16-byte keys over 10,000 keys, 100-byte values) against dms or etcd')
    .option('--config <file>', 'cluster config (target dms)', 'cluster-configs/local.json')
    .option('--office <id>', 'office to load (target dms; default: the first)')
    .option('--concurrency <n>', 'requests in flight', parsePositiveInteger('--concurrency', 10_000), 64)
    .option('--duration <s>', 'seconds of load', parsePositiveInteger('--duration', 3600), 10)
    .option('--target <dms|etcd>', 'what to load', 'dms')
    .option('--endpoints <urls>', 'comma-separated endpoints (target etcd, or dms client URLs instead of --config)')
    .option('--json', 'print one JSON document')
    .action(async (options: BenchKvOptions) => {
      const progress = progressReporter('dms bench', { json: options.json === true })
      const target = await connectTarget(options)
      const counted = countingPuts(target)
      progress.note(`${options.duration} s of puts at concurrency ${options.concurrency} against ${target.name}`)
      const started = performance.now()
      const ticker = setInterval(() => {
        const seconds = (performance.now() - started) / 1000
        progress.update(`${Math.floor(seconds)}/${options.duration} s, ${counted.puts()} puts (${Math.round(counted.puts() / seconds)}/s)`)
      }, 1000)
      try {
        const report = await runKvLoad(counted.target, {
          concurrency: options.concurrency,
          durationS: options.duration,
          keySpace: 10_000,
          keyBytes: 16,
          valueBytes: 100,
          random: Math.random,
          now: () => performance.now(),
        })
        clearInterval(ticker)
        progress.done()
        printResult(options.json === true, report, (r) =>
          `${r.target}: ${r.opsPerSec} puts/s at concurrency ${r.concurrency} (${r.ops} in ${r.durationS} s, ${r.errors} errors); latency p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms`,
        )
      } finally {
        clearInterval(ticker)
        progress.done()
        await target.close()
      }
    })
}

/** The target with its completed puts counted, for the progress line. */
function countingPuts(target: KvBenchTarget): { readonly target: KvBenchTarget; readonly puts: () => number } {
  let puts = 0
  return {
    target: {
      name: target.name,
      put: async (key, value) => {
        await target.put(key, value)
        puts++
      },
      close: () => target.close(),
    },
    puts: () => puts,
  }
}

async function connectTarget(options: BenchKvOptions): Promise<KvBenchTarget> {
  const endpoints = options.endpoints?.split(',').map((e) => e.trim()).filter((e) => e.length > 0)
  switch (options.target) {
    case 'etcd':
      if (endpoints === undefined || endpoints.length === 0) throw new Error('--target etcd needs --endpoints (e.g. http://127.0.0.1:23791,...)')
      return connectEtcdTarget(endpoints)
    case 'dms': {
      if (endpoints !== undefined && endpoints.length > 0) return connectDmsTarget(endpoints)
      const config = await loadConfigForCli(options.config)
      const office = options.office ?? config.offices[0]?.id
      if (office === undefined) throw new Error(`${options.config}: the config lists no office`)
      return connectDmsTarget(officeClientUrls(config, office))
    }
    default:
      throw new Error(`--target: expected "dms" or "etcd", got "${options.target}"`)
  }
}
