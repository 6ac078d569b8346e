/**
 * How much of a latency tail the servers' garbage-collection pauses explain. The load generator
 * records when each put was acknowledged and how long it took; each server process records its
 * stop-the-world pauses (see test/bench/gc-pause-log.cjs), all on the wall clock in milliseconds.
 * A put is slow when it took longer than a threshold; it met a pause when some process was paused
 * while it was outstanding. Comparing the slow puts' share that met a pause with the share of the
 * time any process was paused says whether the pauses cause the tail or merely coincide with it.
 */

export interface TimedPut {
  /** When the acknowledgement arrived. */
  readonly endMs: number
  readonly latencyMs: number
}

export type PauseKind = 'scavenge' | 'mark-compact' | 'incremental' | 'weak-callbacks'

export interface ProcessPause {
  /** Names the process (its pid, in the bench). */
  readonly process: string
  readonly kind: PauseKind
  readonly startMs: number
  readonly durationMs: number
}

export interface ProcessPauses {
  readonly process: string
  readonly scavenges: number
  readonly scavengeMeanMs: number
  readonly markCompacts: number
  /** Longest pause of any kind. */
  readonly maxMs: number
}

export interface TailAttribution {
  readonly puts: number
  readonly thresholdMs: number
  /** Share of the puts that took longer than the threshold. */
  readonly slowShare: number
  /** Share of those slow puts during which some process was paused. */
  readonly slowMeetingPauseShare: number
  /** The same share among the puts at or under the threshold. */
  readonly fastMeetingPauseShare: number
  /**
   * The share of the slow puts that would meet a pause by chance: for each, the chance that an
   * interval as long, placed anywhere in the window, meets a pause (a long put meets more pauses
   * merely by lasting longer), averaged.
   */
  readonly slowMeetingPauseByChance: number
  /** Share of the window (first put's start to last put's end) in which some process was paused. */
  readonly pausedTimeShare: number
  /** Pauses inside the window, per process, in the order of `pauses`. */
  readonly perProcess: readonly ProcessPauses[]
}

/** Relates puts to pauses; `pauses` may hold pauses outside the puts' window (they are ignored). */
export function attributeTail(puts: readonly TimedPut[], pauses: readonly ProcessPause[], thresholdMs: number): TailAttribution {
  if (!(thresholdMs > 0)) throw new RangeError(`thresholdMs must be positive, got ${thresholdMs}`)
  if (puts.length === 0) throw new RangeError('no puts to attribute')
  let windowStart = Infinity
  let windowEnd = -Infinity
  for (const put of puts) {
    windowStart = Math.min(windowStart, put.endMs - put.latencyMs)
    windowEnd = Math.max(windowEnd, put.endMs)
  }
  const inWindow = pauses.filter((pause) => pause.startMs <= windowEnd && pause.startMs + pause.durationMs >= windowStart)
  const paused = unionOf(inWindow.map((pause) => [pause.startMs, pause.startMs + pause.durationMs] as const))
  const pausedMs = paused.reduce((sum, [from, to]) => sum + Math.min(to, windowEnd) - Math.max(from, windowStart), 0)
  const windowMs = windowEnd - windowStart
  let slow = 0
  let slowMeeting = 0
  let slowChance = 0
  let fastMeeting = 0
  for (const put of puts) {
    const meets = overlapsAny(paused, put.endMs - put.latencyMs, put.endMs)
    if (put.latencyMs > thresholdMs) {
      slow++
      if (meets) slowMeeting++
      // Starting anywhere in a paused stretch or up to its own length before one, it meets it.
      slowChance += Math.min(1, (pausedMs + paused.length * put.latencyMs) / windowMs)
    } else if (meets) fastMeeting++
  }
  return {
    puts: puts.length,
    thresholdMs,
    slowShare: share(slow, puts.length),
    slowMeetingPauseShare: share(slowMeeting, slow),
    fastMeetingPauseShare: share(fastMeeting, puts.length - slow),
    slowMeetingPauseByChance: share(slowChance, slow),
    pausedTimeShare: share(pausedMs, windowMs),
    perProcess: summarizeByProcess(inWindow),
  }
}

/**
 * Parses a pause log: one `<startMs> <kind> <durationMs>` line per pause, as the preload writes
 * them. Throws on a malformed line, naming it, rather than silently dropping pauses; ignores a last
 * line not yet ended by a newline.
 */
export function parsePauseLog(process: string, text: string): ProcessPause[] {
  const kinds: ReadonlySet<string> = new Set<PauseKind>(['scavenge', 'mark-compact', 'incremental', 'weak-callbacks'])
  // The writer may be appending: a last line without its newline is not complete yet.
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, i) => {
      const [start, kind, duration, extra] = line.trim().split(/\s+/)
      const startMs = Number(start)
      const durationMs = Number(duration)
      if (extra !== undefined || kind === undefined || !kinds.has(kind) || !Number.isFinite(startMs) || !(durationMs >= 0)) {
        throw new Error(`pause log of ${process}, line ${i + 1}: expected "<startMs> <kind> <durationMs>", got ${JSON.stringify(line)}`)
      }
      return { process, kind: kind as PauseKind, startMs, durationMs }
    })
}

/** Sorted, disjoint intervals covering the same time as `intervals`. */
function unionOf(intervals: ReadonlyArray<readonly [number, number]>): Array<[number, number]> {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0])
  const out: Array<[number, number]> = []
  for (const [from, to] of sorted) {
    const last = out[out.length - 1]
    if (last !== undefined && from <= last[1]) last[1] = Math.max(last[1], to)
    else out.push([from, to])
  }
  return out
}

/** Whether [from, to] meets one of the sorted, disjoint `intervals` (binary search). */
function overlapsAny(intervals: ReadonlyArray<readonly [number, number]>, from: number, to: number): boolean {
  let lo = 0
  let hi = intervals.length
  // The first interval that ends at or after `from`.
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((intervals[mid] as readonly [number, number])[1] < from) lo = mid + 1
    else hi = mid
  }
  const candidate = intervals[lo]
  return candidate !== undefined && candidate[0] <= to
}

function summarizeByProcess(pauses: readonly ProcessPause[]): ProcessPauses[] {
  const byProcess = new Map<string, ProcessPause[]>()
  for (const pause of pauses) {
    const list = byProcess.get(pause.process)
    if (list === undefined) byProcess.set(pause.process, [pause])
    else list.push(pause)
  }
  return [...byProcess].map(([process, list]) => {
    const scavenges = list.filter((pause) => pause.kind === 'scavenge')
    return {
      process,
      scavenges: scavenges.length,
      scavengeMeanMs: share(scavenges.reduce((sum, pause) => sum + pause.durationMs, 0), scavenges.length),
      markCompacts: list.filter((pause) => pause.kind === 'mark-compact').length,
      maxMs: list.reduce((max, pause) => Math.max(max, pause.durationMs), 0),
    }
  })
}

function share(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole
}
