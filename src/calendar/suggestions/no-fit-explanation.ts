import { IntervalSet, type Interval } from '../intervals/interval-set.js'
import { formatInstantUtc } from '../time/time-zone.js'
import type { AttendeeTimeline } from './attendee-timeline.js'
import type { MeetingRequest } from './meeting-request.js'
import type { SlotScore } from './slot-scoring.js'

const HOUR_MS = 3_600_000

/**
 * Why no candidate fits, most basic cause first: a window too short; someone with no working
 * time at all; two required people whose working hours never meet; required people's events
 * filling their common working time; too few attendees for minAttendees; a recurring series
 * that always hits some conflict; and last, free time that exists but not on the grid.
 */
export function explainNoFit(request: MeetingRequest, timelines: readonly AttendeeTimeline[], best: SlotScore | undefined): string {
  const { window } = request
  const durationMs = request.durationMinutes * 60_000
  const minutes = `${request.durationMinutes} minutes`
  const during = `between ${formatInstantUtc(window.start)} and ${formatInstantUtc(window.end)}`
  if (best === undefined) {
    return request.recurrence === null || window.end - window.start < durationMs
      ? `the window (${during}) has no ${request.granularityMinutes}-minute grid start for a ${minutes} meeting`
      : `no start in the window (${during}) begins an occurrence of the recurrence rule`
  }
  const mandatory = timelines.filter((t) => t.role !== 'optional')
  const workingIn = (t: AttendeeTimeline): IntervalSet => t.working.clip(window)
  const name = (t: AttendeeTimeline): string => `${t.id} (${t.zone})`

  for (const t of mandatory) {
    if (!hasRoom(workingIn(t), durationMs)) return `${name(t)} has no working time of ${minutes} ${during}`
  }
  for (let i = 0; i < mandatory.length; i++) {
    for (let j = i + 1; j < mandatory.length; j++) {
      const a = mandatory[i]!
      const b = mandatory[j]!
      if (!hasRoom(workingIn(a).intersect(workingIn(b)), durationMs)) {
        const between = a.zone === b.zone ? `${a.id} and ${b.id} (${a.zone})` : `${a.zone} (${a.id}) and ${b.zone} (${b.id})`
        return `no common working time of ${minutes} between ${between} ${during}`
      }
    }
  }
  const common = mandatory.reduce((acc, t) => acc.intersect(workingIn(t)), IntervalSet.span(window.start, window.end))
  if (!hasRoom(common, durationMs)) {
    return `no common working time of ${minutes} for all of ${mandatory.map(name).join(', ')} ${during}`
  }
  const blocked = (t: AttendeeTimeline): IntervalSet => t.hardBusy.union(t.tentative).intersect(common)
  const free = mandatory.reduce((acc, t) => acc.subtract(blocked(t)), common)
  if (!hasRoom(free, durationMs)) {
    const blockers = mandatory
      .map((t) => ({ t, ms: blocked(t).totalLength() }))
      .filter((b) => b.ms > 0)
      .sort((x, y) => y.ms - x.ms)
      .map((b) => `${b.t.id} ${hours(b.ms)} h`)
    return `the required attendees' events fill their common working time (${hours(common.totalLength())} h ${during}); busy there: ${blockers.join(', ')}`
  }
  if (request.minAttendees > mandatory.length && request.recurrence === null) {
    return `no start has ${request.minAttendees} of the ${timelines.length} attendees free inside their working hours (the required ones can meet, but too few optional ones can join)`
  }
  if (request.recurrence !== null) {
    return `no start in the window is free on all its occurrences; the best has conflicts on ${best.conflictingOccurrences} of ${best.occurrenceStartsMs.length}`
  }
  return `common free time exists ${during}, but no ${minutes} stretch of it starts on the ${request.granularityMinutes}-minute grid`
}

function hasRoom(set: IntervalSet, durationMs: number): boolean {
  return set.intervals().some((i: Interval) => i.end - i.start >= durationMs)
}

function hours(ms: number): string {
  return (ms / HOUR_MS).toFixed(1).replace(/\.0$/, '')
}
