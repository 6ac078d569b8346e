/**
 * What the harness did and when: every fault injected or healed, every proxy action. The chaos
 * report shows it as the run's timeline, so it is in the order things happened.
 */
export interface ChaosClock {
  /** Milliseconds; monotonic within a run. */
  now(): number
}

export interface ChaosEvent {
  readonly atMs: number
  /** Who acted, e.g. a proxy link "nyc-1>lon-2" or "network". */
  readonly source: string
  readonly action: string
  readonly detail: Readonly<Record<string, unknown>>
}

export class ChaosEventLog {
  private readonly events: ChaosEvent[] = []

  constructor(private readonly clock: ChaosClock) {}

  record(source: string, action: string, detail: Readonly<Record<string, unknown>> = {}): void {
    this.events.push({ atMs: this.clock.now(), source, action, detail })
  }

  entries(): readonly ChaosEvent[] {
    return this.events
  }
}
