import type { KvBenchTarget } from './kv-bench-target.js'
import { LatencyRecorder } from './latency-recorder.js'

export interface KvLoadOptions {
  readonly concurrency: number
  readonly durationS: number
  /** Distinct keys written, uniformly at random. */
  readonly keySpace: number
  readonly keyBytes: number
  readonly valueBytes: number
  /** Uniform in [0, 1); injected so the key sequence is reproducible. */
  readonly random: () => number
  readonly now: () => number
  /** Told of every acknowledged put: when it was acknowledged (`now()`) and how long it took. */
  readonly onPut?: (endMs: number, latencyMs: number) => void
}

export interface KvLoadReport {
  readonly target: 'dms' | 'etcd'
  readonly concurrency: number
  readonly durationS: number
  readonly ops: number
  readonly errors: number
  readonly opsPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

/**
 * Closed-loop load: `concurrency` workers each issue one put, wait for its acknowledgement, and
 * issue the next, until the duration is over. Throughput is acknowledged puts per second.
 */
export async function runKvLoad(target: KvBenchTarget, options: KvLoadOptions): Promise<KvLoadReport> {
  const keys = Array.from({ length: options.keySpace }, (_, i) => fixedWidthKey(i, options.keyBytes))
  const value = 'v'.repeat(options.valueBytes)
  const latencies = new LatencyRecorder()
  let errors = 0
  const started = options.now()
  const deadline = started + options.durationS * 1000

  const worker = async (): Promise<void> => {
    while (options.now() < deadline) {
      const key = keys[Math.floor(options.random() * keys.length)] as string
      const t0 = options.now()
      try {
        await target.put(key, value)
        const end = options.now()
        latencies.record(end - t0)
        options.onPut?.(end, end - t0)
      } catch {
        errors++
      }
    }
  }
  await Promise.all(Array.from({ length: options.concurrency }, worker))
  const elapsedS = (options.now() - started) / 1000
  const summary = latencies.summary()
  return {
    target: target.name,
    concurrency: options.concurrency,
    durationS: round(elapsedS, 2),
    ops: summary.count,
    errors,
    opsPerSec: round(summary.count / elapsedS, 0),
    p50Ms: round(summary.p50Ms, 3),
    p99Ms: round(summary.p99Ms, 3),
    maxMs: round(summary.maxMs, 3),
  }
}

/** `k0000000000000042`-style keys: every key has exactly `width` bytes. */
function fixedWidthKey(i: number, width: number): string {
  const digits = String(i)
  if (digits.length + 1 > width) throw new Error(`key width ${width} too small for ${digits.length}-digit key numbers`)
  return 'k' + digits.padStart(width - 1, '0')
}

function round(x: number, decimals: number): number {
  const f = 10 ** decimals
  return Math.round(x * f) / f
}
