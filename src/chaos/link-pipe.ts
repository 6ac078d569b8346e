import type { Socket } from 'node:net'
import type { ChaosClock } from './chaos-event-log.js'
import type { LinkShape } from './link-shape.js'
import type { Random } from './seeded-random.js'
import type { StreamUnit } from './websocket-frame-splitter.js'

/**
 * One direction of one proxied connection: units read from `source` wait in a queue until
 * their due time, then are written to `destination`. Due times never decrease, so jitter never
 * reorders a stream; a bandwidth limit keeps the link busy for each unit's transmission time.
 * The source is paused (TCP back-pressure) while the link is blackholed, while the destination
 * cannot keep up, and while too much is queued.
 */
type Queued = { readonly dueMs: number; readonly bytes: Buffer } | { readonly dueMs: number; readonly end: 'graceful' | 'abort' }

const HIGH_WATER_BYTES = 1024 * 1024

export class LinkPipe {
  private readonly queue: Queued[] = []
  private queuedBytes = 0
  private lastDueMs = 0
  private busyUntilMs = 0
  private timer: NodeJS.Timeout | null = null
  private destinationBlocked = false
  private finished = false

  constructor(
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly shape: () => LinkShape,
    private readonly clock: ChaosClock,
    private readonly random: Random,
    private readonly onDuplicate: () => void,
  ) {
    destination.on('drain', () => {
      this.destinationBlocked = false
      this.updateFlow()
    })
  }

  /** Units cut from what the source sent. */
  accept(units: readonly StreamUnit[]): void {
    const shape = this.shape()
    for (const unit of units) {
      const dueMs = this.dueFor(unit.bytes.length, shape)
      this.enqueue({ dueMs, bytes: unit.bytes })
      if (unit.duplicable && shape.duplicateProbability > 0 && this.random.chance(shape.duplicateProbability)) {
        this.enqueue({ dueMs, bytes: unit.bytes })
        this.onDuplicate()
      }
    }
    this.updateFlow()
    this.schedule()
  }

  /** The source ended (`graceful`: FIN) or failed (`abort`: passed on as a reset); in order, after what it sent. */
  sourceEnded(how: 'graceful' | 'abort'): void {
    this.enqueue({ dueMs: Math.max(this.lastDueMs, this.clock.now()), end: how })
    this.schedule()
  }

  /** Re-reads the link's shape: a blackhole stops delivery, a heal resumes it. */
  reshape(): void {
    this.updateFlow()
    this.schedule()
  }

  stop(): void {
    this.finished = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private dueFor(size: number, shape: LinkShape): number {
    const now = this.clock.now()
    let sentMs = now
    if (shape.bytesPerSecond !== null) {
      sentMs = Math.max(now, this.busyUntilMs) + (size * 1000) / shape.bytesPerSecond
      this.busyUntilMs = sentMs
    }
    const jitter = shape.jitterMs > 0 ? this.random.next() * shape.jitterMs : 0
    this.lastDueMs = Math.max(this.lastDueMs, sentMs + shape.delayMs + jitter)
    return this.lastDueMs
  }

  private enqueue(item: Queued): void {
    this.queue.push(item)
    if ('bytes' in item) this.queuedBytes += item.bytes.length
  }

  private updateFlow(): void {
    if (this.finished || this.source.destroyed) return
    const hold = this.shape().blackhole || this.destinationBlocked || this.queuedBytes > HIGH_WATER_BYTES
    if (hold) this.source.pause()
    else this.source.resume()
  }

  private schedule(): void {
    if (this.finished || this.timer !== null || this.shape().blackhole) return
    const head = this.queue[0]
    if (head === undefined) return
    this.timer = setTimeout(() => this.deliverDue(), Math.max(0, head.dueMs - this.clock.now()))
  }

  private deliverDue(): void {
    this.timer = null
    const now = this.clock.now()
    while (!this.finished && !this.shape().blackhole) {
      const head = this.queue[0]
      if (head === undefined || head.dueMs > now) break
      this.queue.shift()
      if ('end' in head) {
        this.finished = true
        if (head.end === 'graceful') this.destination.end()
        else this.destination.resetAndDestroy()
        return
      }
      this.queuedBytes -= head.bytes.length
      if (!this.destination.write(head.bytes)) this.destinationBlocked = true
    }
    this.updateFlow()
    this.schedule()
  }
}
