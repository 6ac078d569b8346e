import { DEFAULT_FIELD_NAMES, expandOccurrences, parseRecurrence, type RecurrenceFieldNames } from '../recurrence/index.js';
// The public API always counts DTSTART as an occurrence; these two tell whether the rule itself
// produces a start.
import { parseContentLine } from '../recurrence/content-line.js';
import { FloatingRule } from '../recurrence/floating-rule.js';
import { toFloatingMs } from '../time/local-date-time.js';
import { instantToWallClock } from '../time/time-zone.js';
import type { MeetingRequest } from './meeting-request.js';

const MINUTE_MS = 60_000;
const RECURRENCE_FIELDS: RecurrenceFieldNames = { ...DEFAULT_FIELD_NAMES, line: (i) => `recurrence.lines[${i}]` };

/**
 * Candidate start instants: every `granularity` minutes from the first wall-clock multiple of the
 * granularity in the organizer's zone (so a 30-minute grid means :00 and :30 for the organizer,
 * even in Asia/Kathmandu), up to the last start that still ends inside the window.
 */
export function candidateStarts(request: MeetingRequest, organizerZone: string): number[] {
  const step = request.granularityMinutes * MINUTE_MS;
  const { start, end } = request.window;
  const local = instantToWallClock(start, organizerZone);
  // How far `start` lies into its grid cell on the organizer's wall clock.
  const intoCellMs =
    ((local.hour * 60 + local.minute) % request.granularityMinutes) * MINUTE_MS + local.second * 1000 + (((start % 1000) + 1000) % 1000);
  const first = intoCellMs === 0 ? start : start - intoCellMs + step;
  const lastStart = end - request.durationMinutes * MINUTE_MS;
  const out: number[] = [];
  for (let t = first; t <= lastStart; t += step) out.push(t);
  return out;
}

/**
 * Turns a candidate's first start into the starts of all its occurrences: just that start for a
 * single meeting; for a recurring one, the series with DTSTART at the organizer's wall time of the
 * candidate, up to the horizon. Gives null when the candidate is not a date of the rule itself
 * (RFC 5545 leaves a DTSTART off the rule undefined; a "third Wednesday" series must begin on a
 * third Wednesday), so such a start is not a candidate. The rule lines are parsed once per request.
 */
export function seriesPlanner(request: MeetingRequest, organizerZone: string): (startMs: number) => number[] | null {
  const { recurrence } = request;
  if (recurrence === null) return (startMs) => [startMs];
  const rrules = recurrence.lines
    .map((text, i) => parseContentLine(text, `recurrence.lines[${i}]`))
    .flatMap((line) => (line.name === 'RRULE' ? [line.rule] : []));
  return (startMs) => {
    const dtstart = instantToWallClock(startMs, organizerZone);
    const floating = toFloatingMs(dtstart);
    const onRule = rrules.length === 0 || rrules.some((rule) => new FloatingRule(rule, dtstart, organizerZone).between(floating, floating).length > 0);
    if (!onRule) return null;
    const series = parseRecurrence({ dtstart, zone: organizerZone, lines: recurrence.lines }, RECURRENCE_FIELDS);
    const starts = expandOccurrences(series, startMs, recurrence.horizonEndMs).map((o) => o.startMs);
    // An EXDATE may remove the candidate itself.
    return starts[0] === startMs ? starts : null;
  };
}
