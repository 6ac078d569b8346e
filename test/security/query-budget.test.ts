/**
 * Reads are bounded in work before any is done: a window of at most 366 days, and at most 36 600
 * person-days of free/busy per call. Before, one call over 300 years cost a replica 46 s of CPU and
 * 500 MB of heap (and its answer was over the frame limit anyway).
 */
import t from 'tap'
import type { z } from 'zod'
import { OFFICE_PARAM_SCHEMAS } from '../../src/office/office-api.js'
import { explainFailure } from '../../src/rpc/schema-issues.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { startSecuredOffice } from './secured-office.js'

const people = (n: number) => Array.from({ length: n }, (_, i) => `p${i}`)
const YEAR = { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' }
const CENTURIES = { from: '1900-01-01T00:00:00Z', to: '2199-01-01T00:00:00Z' }

function verdict(schema: z.ZodType, params: unknown): string {
  return schema.safeParse(params).success ? 'ok' : explainFailure(schema, params, 'params')
}

t.test('windows and person-days are bounded at the boundary, naming the field', async (t) => {
  const s = OFFICE_PARAM_SCHEMAS
  t.equal(verdict(s['calendar.agenda'], { user: 'alice', ...YEAR }), 'ok', 'a year of agenda')
  t.match(verdict(s['calendar.agenda'], { user: 'alice', ...CENTURIES }), /^params\.to: the window from 1900-01-01T00:00:00Z is 109208 days long; at most 366 days per query/)
  t.equal(verdict(s['calendar.freeBusy'], { users: people(100), ...YEAR }), 'ok', '100 people for a year')
  t.equal(verdict(s['calendar.freeBusy'], { users: people(500), from: '2026-01-01T00:00', to: '2026-03-01T00:00' }), 'ok', '500 people for two months')
  t.match(verdict(s['calendar.freeBusy'], { users: people(500), ...YEAR }), /^params\.to: 500 people over 365 days is more than 36600 person-days per query/)
  t.match(verdict(s['calendar.availability'], { users: ['alice'], ...CENTURIES }), /params\.to: .* at most 366 days/)
  t.match(verdict(s['calendar.availability'], { users: people(200), ...YEAR }), /person-days/)
  t.match(verdict(s['calendar.suggest'], { organizer: 'a', attendees: people(200), durationMinutes: 30, ...YEAR }), /201 people over 365 days/, 'suggestions count the organizer and every attendee')
  t.equal(verdict(s['calendar.suggest'], { organizer: 'a', attendees: people(5), durationMinutes: 30, ...YEAR }), 'ok')
  t.match(verdict(s['calendar.suggest'], { organizer: 'a', attendees: [], durationMinutes: 30, minAttendees: 10_000, ...YEAR }), /params\.minAttendees/)
  t.equal(verdict(s['calendar.agenda'], { user: 'alice', from: 'garbage-time', to: '2027-01-01' }), 'ok', 'unreadable times are left to the handler, which names them')
})

t.test('a running replica refuses a 300-year free/busy before doing any work', async (t) => {
  const office = await startSecuredOffice(t)
  const root = office.client(office.rootAuthorization)
  await root.call('user.add', { id: 'alice', office: 'nyc' })
  await root.call('event.add', { user: 'alice', start: '2026-03-10T09:00', end: '2026-03-10T09:30', rules: ['RRULE:FREQ=DAILY'] })
  const refused = await root.call('calendar.freeBusy', { users: ['alice'], ...CENTURIES }).then(
    () => null,
    (err: unknown) => err,
  )
  t.ok(refused instanceof RpcError && refused.code === 'BAD_REQUEST')
  t.match((refused as Error).message, /^calendar\.freeBusy: params\.to: .* at most 366 days per query/)
  const year = await root.call('calendar.freeBusy', { users: ['alice'], ...YEAR })
  t.equal(year.users.length, 1, 'a year is answered')
})

t.test("a person's schedule overrides are bounded like holidays", async (t) => {
  const overrides = Object.fromEntries(Array.from({ length: 401 }, (_, i) => [new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10), []]))
  t.match(verdict(OFFICE_PARAM_SCHEMAS['user.update'], { id: 'alice', overrides }), /^params\.overrides: expected at most 400 dates/)
  const fewer = Object.fromEntries(Object.entries(overrides).slice(0, 400))
  t.equal(verdict(OFFICE_PARAM_SCHEMAS['user.update'], { id: 'alice', overrides: fewer }), 'ok')
})
