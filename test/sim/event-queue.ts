/**
 * The simulator's agenda: events ordered by simulated time, ties broken by insertion order, so
 * the schedule depends only on the seed (never on engine-specific sort stability).
 */

interface Slot<E> {
  readonly time: number
  readonly seq: number
  readonly event: E
}

export class EventQueue<E> {
  private readonly heap: Slot<E>[] = []
  private seq = 0

  get size(): number {
    return this.heap.length
  }

  push(time: number, event: E): void {
    this.heap.push({ time, seq: this.seq++, event })
    this.siftUp(this.heap.length - 1)
  }

  /** Earliest event with its time, or null when the agenda is empty. */
  pop(): { time: number; event: E } | null {
    const top = this.heap[0]
    if (top === undefined) return null
    const last = this.heap.pop() as Slot<E>
    if (this.heap.length > 0) {
      this.heap[0] = last
      this.siftDown(0)
    }
    return { time: top.time, event: top.event }
  }

  private before(a: Slot<E>, b: Slot<E>): boolean {
    return a.time < b.time || (a.time === b.time && a.seq < b.seq)
  }

  private siftUp(start: number): void {
    let i = start
    while (i > 0) {
      const parent = (i - 1) >> 1
      const node = this.heap[i] as Slot<E>
      const up = this.heap[parent] as Slot<E>
      if (!this.before(node, up)) return
      this.heap[i] = up
      this.heap[parent] = node
      i = parent
    }
  }

  private siftDown(start: number): void {
    let i = start
    const n = this.heap.length
    for (;;) {
      const left = 2 * i + 1
      const right = left + 1
      let best = i
      if (left < n && this.before(this.heap[left] as Slot<E>, this.heap[best] as Slot<E>)) best = left
      if (right < n && this.before(this.heap[right] as Slot<E>, this.heap[best] as Slot<E>)) best = right
      if (best === i) return
      const a = this.heap[i] as Slot<E>
      this.heap[i] = this.heap[best] as Slot<E>
      this.heap[best] = a
      i = best
    }
  }
}
