/**
 * The scripted demonstration: a fresh three-office cluster (New York, London, Tokyo; three
 * replicas each) on free loopback ports and a temporary data directory, driven through the client
 * library. Each step prints what happened in every person's local time and asserts it; the first
 * failed check stops the run. The cluster is always stopped and deleted at the end.
 */
import { DateTime } from 'luxon'
import { CalendarClient } from '../../src/client/calendar-client.js'
import { EphemeralCluster } from '../../src/cluster/ephemeral-cluster.js'
import type { NodeLauncher } from '../../src/cluster/replica-process.js'
import type { BookingResult, ConflictView, EventView } from '../../src/calendar-service/calendar-api.js'
import type { NotificationRecord } from '../../src/calendar-service/calendar-records.js'

export interface DemoOptions {
  readonly launcher: NodeLauncher
  /** Where the readable narration goes (a line at a time). */
  readonly print: (line: string) => void
}

export class DemoCheckFailed extends Error {
  constructor(step: string, what: string) {
    super(`step "${step}": ${what}`)
    this.name = 'DemoCheckFailed'
  }
}

interface Person {
  readonly id: string
  readonly office: string
  readonly tz: string
  readonly hours: { readonly start: string; readonly end: string }
  readonly lunch: { readonly start: string; readonly end: string }
}

const PEOPLE: readonly Person[] = [
  { id: 'ana', office: 'nyc', tz: 'America/New_York', hours: { start: '08:00', end: '16:00' }, lunch: { start: '12:00', end: '12:30' } },
  { id: 'ben', office: 'lon', tz: 'Europe/London', hours: { start: '09:00', end: '17:30' }, lunch: { start: '12:30', end: '13:30' } },
  { id: 'kenji', office: 'tok', tz: 'Asia/Tokyo', hours: { start: '09:30', end: '18:30' }, lunch: { start: '12:00', end: '13:00' } },
]

/** The seed's pattern: third Wednesday of every month but December, plus the second-to-last Friday of November. */
const SERIES_RULES = ['RRULE:FREQ=MONTHLY;BYDAY=3WE;BYMONTH=1,2,3,4,5,6,7,8,9,10,11', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=-2FR']
const SERIES = { organizer: 'ana', attendees: ['ben', 'kenji'], start: '2027-01-20T08:00', durationMinutes: 60, title: 'Global planning', rules: SERIES_RULES }
const YEAR = { from: '2027-01-01T00:00:00Z', to: '2028-01-01T00:00:00Z' }
/** The July occurrence (08:00 in New York, daylight time): cancelled on its own at the end. */
const CANCELLED_OCCURRENCE = '2027-07-21T12:00:00.000Z'
const BOOT_TIMEOUT_MS = 150_000

export async function runDemo(options: DemoOptions): Promise<void> {
  const { print } = options
  const zoneOf = new Map(PEOPLE.map((p) => [p.id, p.tz]))
  const local = (instant: string, user: string): string => {
    const zone = zoneOf.get(user) ?? 'UTC'
    return DateTime.fromISO(instant, { zone: 'utc' }).setZone(zone).toFormat('ccc d LLL yyyy HH:mm ZZZZ')
  }
  const everyone = (instant: string): string => PEOPLE.map((p) => `${p.id} ${local(instant, p.id)}`).join(' | ')
  let step = ''
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new DemoCheckFailed(step, what)
  }
  const begin = (title: string): void => {
    step = title
    print('')
    print(`== ${title}`)
  }

  begin('boot a fresh cluster: three offices of three replicas')
  const cluster = await EphemeralCluster.create({
    launcher: options.launcher,
    offices: [
      { id: 'nyc', timeZone: 'America/New_York', replicas: 3 },
      { id: 'lon', timeZone: 'Europe/London', replicas: 3 },
      { id: 'tok', timeZone: 'Asia/Tokyo', replicas: 3 },
    ],
  })
  const client = new CalendarClient(cluster.config, { callTimeoutMs: 30_000 })
  try {
    cluster.startAll()
    for (const office of ['nyc', 'lon', 'tok']) {
      // Nine processes starting at once take a while on a busy machine (the test suite runs files in parallel).
      const status = await cluster.waitForLeader(office, { timeoutMs: BOOT_TIMEOUT_MS })
      print(`office ${office}: leader ${status.leader}, term ${status.term}`)
    }

    begin('people in three offices, each with their own hours and lunch')
    for (const p of PEOPLE) {
      const weekly = Object.fromEntries(['1', '2', '3', '4', '5'].map((day) => [day, [p.hours]]))
      const user = await client.addUser({ id: p.id, office: p.office, tz: p.tz, weekly, lunch: p.lunch })
      check(user.office === p.office && user.tz === p.tz, `${p.id} was added to ${user.office} in ${user.tz}`)
      print(`${p.id.padEnd(6)} office ${p.office}  ${p.tz.padEnd(17)} works ${p.hours.start}-${p.hours.end}, lunch ${p.lunch.start}-${p.lunch.end} (Mon-Fri, local time)`)
    }
    const where = await eventually(async () => (await client.office('nyc').call('directory.lookup', { users: ['kenji'] })).users[0]?.office, 'tok')
    check(where === 'tok', `New York's directory places kenji in ${String(where)}`)
    print("New York's replicated directory already knows kenji lives in Tokyo (published through its Raft log)")

    begin('existing commitments')
    await client.addEvent({ user: 'ben', start: '2027-02-17T13:00', end: '2027-02-17T14:00', title: 'Client call' })
    await client.addEvent({ user: 'kenji', start: '2027-04-21T21:30', end: '2027-04-21T23:00', title: 'Family dinner' })
    print(`ben:   Client call    ${local('2027-02-17T13:00:00Z', 'ben')}`)
    print(`kenji: Family dinner  ${local('2027-04-21T12:30:00Z', 'kenji')}`)

    begin("book the seed's recurring meeting across three offices")
    print(`"${SERIES.title}": 08:00 New York time, third Wednesday monthly except December, plus the second-to-last Friday of November`)
    for (const rule of SERIES_RULES) print(`  ${rule}`)
    const refused = await client.book(SERIES)
    check(refused.status === 'conflict', `expected a conflict, got ${refused.status}`)
    const conflicts = refused.status === 'conflict' ? refused.conflicts : []
    printConflicts(conflicts, print, local)
    check(conflicts.some((c) => c.user === 'ben' && c.meetingStart === '2027-02-17T13:00:00.000Z'), "ben's client call on 17 Feb is reported")
    check(conflicts.some((c) => c.user === 'kenji' && c.meetingStart === '2027-04-21T12:00:00.000Z'), "kenji's dinner on 21 Apr is reported")

    begin('suggestions for the series')
    const suggested = await client.suggest({ organizer: 'ana', attendees: ['ben', 'kenji'], durationMinutes: 60, from: '2027-01-18T00:00:00Z', to: '2027-01-23T00:00:00Z', rules: SERIES_RULES, limit: 3 })
    if (suggested.explanation !== null) print(`why no slot fits everyone: ${suggested.explanation}`)
    for (const s of suggested.suggestions) print(`  ${s.fits ? 'fits     ' : 'best try '} ${everyone(s.start)}  (free: ${s.free.join(', ') || '-'}; busy: ${s.busy.join(', ') || '-'})`)
    check(suggested.suggestions.length > 0 || suggested.explanation !== null, 'suggestions or an explanation come back')
    const pair = await client.suggest({ organizer: 'ana', attendees: ['ben'], durationMinutes: 60, from: '2027-01-20T00:00:00Z', to: '2027-01-21T00:00:00Z', limit: 2 })
    for (const s of pair.suggestions) print(`  ana and ben alone on 20 Jan: ${everyone(s.start)}`)
    check(pair.suggestions.some((s) => s.fits), 'ana and ben share working time on 20 Jan')

    begin('override the conflicts: booked, with every warning listed')
    const booked = await client.book({ ...SERIES, override: true })
    check(booked.status === 'booked', `expected booked, got ${booked.status}`)
    const seriesId = idOf(booked)
    print(`booked ${seriesId}; warnings:`)
    const warnings = booked.status === 'booked' ? booked.warnings : []
    for (const w of warnings) print(`  ! ${w}`)
    check(warnings.length >= 2, `expected at least two warnings, got ${warnings.length}`)

    begin('the series in each calendar, in local time')
    for (const p of PEOPLE) {
      const occurrences = await meetingOccurrences(client, p.id, seriesId, (found) => found.length === 12)
      print(`${p.id}: ${occurrences.length} occurrences in 2027`)
      for (const o of occurrences.filter((_, i) => i < 3 || i >= occurrences.length - 2)) print(`  ${local(o.start, p.id)}`)
      check(occurrences.length === 12, `${p.id} has ${occurrences.length} occurrences in 2027, expected 11 third Wednesdays + 1 November Friday`)
      check(!occurrences.some((o) => o.start.startsWith('2027-12')), `${p.id} has no occurrence in December`)
      check(occurrences.some((o) => o.start === '2027-11-19T13:00:00.000Z'), `${p.id} has the second-to-last Friday of November (19 Nov)`)
    }
    print('(17 Mar: New York is on daylight time, London not yet, so London sees 12:00 instead of 13:00)')

    begin("kill one office's leader in the middle of a booking")
    const tokyo = await cluster.waitForLeader('tok')
    const victim = tokyo.leader ?? ''
    const booking = client.book({ organizer: 'ana', attendees: ['ben', 'kenji'], start: '2027-01-27T08:00', durationMinutes: 30, title: 'Incident review' })
    await new Promise((resolve) => setTimeout(resolve, 20))
    await cluster.replicas.get(victim)?.kill()
    print(`SIGKILL ${victim} (leader of tok) while the booking is in flight`)
    const outcome = await booking.then((r) => r, (error: Error) => error)
    print(`first answer: ${outcome instanceof Error ? `error: ${outcome.message}` : outcome.status}`)
    const after = await cluster.waitForLeader('tok', { exclude: victim, timeoutMs: 30_000 })
    print(`tok elected ${after.leader} in term ${after.term}`)
    // Back on its port at once: a freed loopback port could be handed to some other process meanwhile.
    cluster.replicas.get(victim)?.start()
    print(`${victim} restarted; it catches up from the new leader`)
    const review = await settledBooking(client, outcome, print)
    for (const p of PEOPLE) {
      // Exactly the committed meeting: nothing left behind by an attempt that aborted.
      await meetingOccurrences(client, p.id, review, (found) => found.length > 0)
      const events = (await client.agenda({ user: p.id, from: '2027-01-27T00:00:00Z', to: '2027-01-28T00:00:00Z' })).events.filter((e) => e.title === 'Incident review')
      check(events.length === 1 && events[0]?.meetingId === review, `${p.id} has ${events.length} "Incident review" events; expected exactly ${review}`)
      print(`  ${p.id}: ${events[0]?.title ?? ''} ${local(events[0]?.start ?? '', p.id)}`)
    }

    begin('cancel one occurrence; every invitee is notified')
    const cancelled = await client.cancel({ id: seriesId, occurrence: CANCELLED_OCCURRENCE })
    print(`cancelled the occurrence at ${everyone(CANCELLED_OCCURRENCE)}; notified: ${cancelled.notified.join(', ')}`)
    check(cancelled.status === 'cancelled', `expected cancelled, got ${cancelled.status}`)
    check(['ben', 'kenji'].every((u) => cancelled.notified.includes(u)), `ben and kenji are notified (${cancelled.notified.join(', ')})`)
    for (const user of ['ben', 'kenji']) {
      const notice = await firstNotification(client, user, (n) => n.kind === 'occurrence-cancelled' && n.meetingId === seriesId)
      check(notice !== undefined, `${user} has an occurrence-cancelled notification`)
      print(`  ${user} <- ${notice?.message ?? ''} (received ${local(new Date(notice?.atMs ?? 0).toISOString(), user)})`)
      const left = await meetingOccurrences(client, user, seriesId, (found) => found.length === 11)
      check(left.length === 11 && !left.some((o) => o.start === CANCELLED_OCCURRENCE), `${user} keeps the 11 other occurrences`)
    }
    print('')
    print('demo: every step checked out')
  } catch (error) {
    print('')
    print('last replica log lines:')
    for (const line of cluster.logs.slice(-40)) print(`  ${line}`)
    throw error
  } finally {
    client.close()
    await cluster.stop()
  }
}

function idOf(result: BookingResult): string {
  if (result.status !== 'booked') throw new Error(`expected a booked meeting, got ${result.status}`)
  return result.id
}

/**
 * The person's occurrences of a meeting in 2027, once their office has applied the latest change:
 * a cross-office client is answered when the decision is durable, and each office applies it
 * moments later, so the read waits (a bounded while) until `settled` holds.
 */
async function meetingOccurrences(client: CalendarClient, user: string, meetingId: string, settled: (events: EventView[]) => boolean): Promise<EventView[]> {
  let events: EventView[] = []
  for (let i = 0; i < 50; i++) {
    events = (await client.agenda({ user, ...YEAR })).events.filter((e) => e.meetingId === meetingId)
    if (settled(events)) break
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return events
}

function printConflicts(conflicts: readonly ConflictView[], print: (line: string) => void, local: (instant: string, user: string) => string): void {
  print(`conflict: ${conflicts.length} collision(s), nothing booked anywhere`)
  for (const c of conflicts) print(`  ${c.user} is busy ${local(c.start, c.user)} - ${local(c.end, c.user)} (occurrence ${local(c.meetingStart, 'ana')} for ana)`)
}

/**
 * The booking interrupted by the kill ends booked or not at all, never half: an abort (the
 * participant did not answer in time) leaves nothing, and booking again succeeds.
 */
async function settledBooking(client: CalendarClient, first: BookingResult | Error, print: (line: string) => void): Promise<string> {
  if (!(first instanceof Error) && first.status === 'booked') return first.id
  for (let attempt = 1; attempt <= 5; attempt++) {
    const again = await client
      .book({ organizer: 'ana', attendees: ['ben', 'kenji'], start: '2027-01-27T08:00', durationMinutes: 30, title: 'Incident review' })
      .then((r) => r, (error: Error) => error)
    print(`booking again (attempt ${attempt}): ${again instanceof Error ? `error: ${again.message}` : again.status}`)
    if (!(again instanceof Error) && again.status === 'booked') return again.id
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  throw new DemoCheckFailed("kill one office's leader in the middle of a booking", 'the booking never went through after the leader change')
}

/** Follows the person's notification subscription (the real delivery path) until one matches, for at most 15 s. */
async function firstNotification(client: CalendarClient, user: string, wanted: (n: NotificationRecord) => boolean): Promise<NotificationRecord | undefined> {
  const signal = AbortSignal.timeout(15_000)
  try {
    for await (const notification of client.subscribe(user, { waitMs: 1000, signal })) if (wanted(notification)) return notification
  } catch (error) {
    if (!signal.aborted) throw error
  }
  return undefined
}

async function eventually<T>(look: () => Promise<T>, expected: T): Promise<T | undefined> {
  let last: T | undefined
  for (let i = 0; i < 100; i++) {
    last = await look().catch(() => undefined)
    if (last === expected) return last
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  return last
}
