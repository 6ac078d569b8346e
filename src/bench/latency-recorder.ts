/** Collects operation latencies and summarizes them; sorting once at the end keeps recording cheap. */
export class LatencyRecorder {
  private readonly samples: number[] = []

  record(ms: number): void {
    this.samples.push(ms)
  }

  get count(): number {
    return this.samples.length
  }

  summary(): LatencySummary {
    const sorted = [...this.samples].sort((a, b) => a - b)
    return {
      count: sorted.length,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      maxMs: sorted.length === 0 ? 0 : (sorted[sorted.length - 1] as number),
    }
  }
}

export interface LatencySummary {
  readonly count: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly maxMs: number
}

/** Nearest-rank percentile of an ascending array; 0 for no samples. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  return sorted[rank] as number
}
