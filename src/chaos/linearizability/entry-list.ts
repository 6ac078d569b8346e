/**
 * Lowe's entry list: every operation contributes a call entry and a return entry, kept in time
 * order in a doubly linked list (typed arrays, index `length` is the head sentinel). Linearizing an
 * operation lifts both of its entries out; backtracking unlifts them. Lifts and unlifts happen in
 * stack order, so unlinked entries keep the pointers needed to relink them in O(1).
 */
export interface TimedInterval {
  readonly calledAt: number
  /** `Infinity` for an operation that may take effect at any time after its call, or never. */
  readonly returnedAt: number
}

export class EntryList {
  readonly head: number
  /** The operation each entry belongs to. */
  readonly op: Int32Array
  /** For a call entry, its return entry; -1 for return entries. */
  readonly returnOf: Int32Array
  /** 1 for return entries of operations that may never have happened. */
  readonly unbounded: Uint8Array
  readonly next: Int32Array
  private readonly prev: Int32Array

  constructor(intervals: readonly TimedInterval[]) {
    const count = intervals.length * 2
    this.head = count
    this.op = new Int32Array(count)
    this.returnOf = new Int32Array(count)
    this.unbounded = new Uint8Array(count)
    this.next = new Int32Array(count + 1)
    this.prev = new Int32Array(count + 1)

    // Time order; at equal times calls come first, so operations that merely touch count as
    // concurrent (the lenient reading: clocks are sampled around, not at, the real events).
    const events: Array<{ time: number; isCall: boolean; op: number }> = []
    intervals.forEach((interval, op) => {
      events.push({ time: interval.calledAt, isCall: true, op }, { time: interval.returnedAt, isCall: false, op })
    })
    events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall) || a.op - b.op)

    const returnEntryOfOp = new Int32Array(intervals.length)
    events.forEach((event, entry) => {
      if (!event.isCall) returnEntryOfOp[event.op] = entry
    })
    let previous = this.head
    events.forEach((event, entry) => {
      this.op[entry] = event.op
      this.returnOf[entry] = event.isCall ? (returnEntryOfOp[event.op] ?? -1) : -1
      this.unbounded[entry] = !event.isCall && event.time === Infinity ? 1 : 0
      this.next[previous] = entry
      this.prev[entry] = previous
      previous = entry
    })
    this.next[previous] = this.head
    this.prev[this.head] = previous
  }

  isCall(entry: number): boolean {
    return (this.returnOf[entry] ?? -1) >= 0
  }

  /** A call entry of an operation that may never have happened. */
  isOptionalCall(entry: number): boolean {
    return this.unbounded[this.returnOf[entry] ?? -1] === 1
  }

  /** Unlinks a call entry and its return entry. */
  lift(callEntry: number): void {
    this.unlink(callEntry)
    this.unlink(this.returnOf[callEntry] ?? -1)
  }

  /** Relinks what the matching `lift` unlinked (must be the most recent lift still in effect). */
  unlift(callEntry: number): void {
    this.relink(this.returnOf[callEntry] ?? -1)
    this.relink(callEntry)
  }

  private unlink(entry: number): void {
    const before = this.prev[entry] ?? this.head
    const after = this.next[entry] ?? this.head
    this.next[before] = after
    this.prev[after] = before
  }

  private relink(entry: number): void {
    this.next[this.prev[entry] ?? this.head] = entry
    this.prev[this.next[entry] ?? this.head] = entry
  }
}
