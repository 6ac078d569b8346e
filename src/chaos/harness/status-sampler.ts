/**
 * Polls every replica's status through the run. Each sample of a replica claiming leadership is
 * kept as evidence for the "at most one leader per term" check, and the latest leaders answer
 * "who leads office X now" when a fault targets the leader.
 */
import type { ClusterConfig } from '../../config/cluster-config-schema.js'
import { queryClusterStatus } from '../../cluster/cluster-status.js'

/** One replica seen claiming leadership of its office in a term. */
export interface LeaderObservation {
  readonly office: string
  readonly term: number
  readonly node: string
  readonly atMs: number
}

export class StatusSampler {
  /** First sighting of each (office, term, node). */
  private readonly observations = new Map<string, LeaderObservation>()
  private readonly leaders = new Map<string, string>()
  private running = false
  private loop: Promise<void> = Promise.resolve()

  constructor(
    /** The current config: replicas may join and leave during a run. */
    private readonly config: () => ClusterConfig,
    private readonly now: () => number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.loop = this.run()
  }

  async stop(): Promise<void> {
    this.running = false
    await this.loop
  }

  /** The replica that most recently answered as leader of `office`, if any did. */
  leaderOf(office: string): string | undefined {
    return this.leaders.get(office)
  }

  leaderObservations(): readonly LeaderObservation[] {
    return [...this.observations.values()]
  }

  /** One round of status queries; also usable while stopped. */
  async sampleOnce(): Promise<void> {
    const status = await queryClusterStatus(this.config(), 1000)
    const atMs = this.now()
    for (const office of status.offices) {
      if (office.leader !== null) this.leaders.set(office.id, office.leader)
      for (const member of office.members) {
        if (member.role !== 'leader' || member.term === null) continue
        const key = `${office.id}/${member.term}/${member.id}`
        if (!this.observations.has(key)) this.observations.set(key, { office: office.id, term: member.term, node: member.id, atMs })
      }
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      await this.sampleOnce()
      await new Promise((resolve) => setTimeout(resolve, this.intervalMs))
    }
  }
}
