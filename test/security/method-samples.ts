/**
 * One valid call of every /client method, for the tests that go through the real gate and
 * handlers (method-access.test.ts) and for the fuzzer's schema-aware mutations. Each sample names
 * alice wherever a rule looks (`user`, `organizer`) and alice's meeting with bob wherever it looks
 * for a meeting (`id`), so the rule decides who passes. Samples that would change what other
 * samples rely on are made to fail in the handler, after the gate: a version that does not match,
 * a node or office that does not exist.
 *
 * A method registered without a sample here fails method-access.test.ts: a new method gets its
 * allowed and denied cases before it ships.
 */
import { nycOffice } from './nyc-office.js'

export interface SampleWorld {
  /** A meeting alice organizes and bob is invited to. */
  readonly meetingId: string
  readonly replicaPort: number
}

/** The window every read sample asks about: it holds alice's titled event and the meeting. */
export const SAMPLE_WINDOW = { from: '2026-03-09T00:00:00Z', to: '2026-03-14T00:00:00Z' }

const NO_SUCH_VERSION = 999_999

export function methodSamples(world: SampleWorld): Readonly<Record<string, unknown>> {
  const { meetingId } = world
  const ical = { uid: 'sample-uid@example.com', recurrenceId: null, sequence: 0, lastModifiedMs: null }
  return {
    'kv.put': { key: 'sample', value: 'v' },
    'kv.delete': { key: 'sample-absent' },
    'kv.cas': { key: 'sample', expected: { value: 'not-this' }, value: 'w' },
    'kv.get': { key: 'sample' },
    'kv.range': { prefix: 'sample', limit: 10 },
    'replica.status': {},
    'replica.membership': { change: 'removeNode', node: 'nyc-9' },
    'replica.transferLeadership': { to: 'nyc-9' },
    'token.create': { id: 'a0a0a0a0a0a0', hash: 'a'.repeat(64), grant: { role: 'user', user: 'alice' }, label: 'sample' },
    'token.revoke': { id: 'b0b0b0b0b0b0' },
    'token.list': {},
    'token.entries': { digest: '0'.repeat(64) },
    'user.add': { id: 'sample-person', office: 'nyc' },
    'user.update': { id: 'alice', expectedVersion: NO_SUCH_VERSION },
    'user.get': { id: 'alice' },
    'user.list': {},
    'event.add': { user: 'alice', start: '2026-03-12T09:00', end: '2026-03-12T09:30', title: 'sample' },
    'event.import': { user: 'alice', start: '2026-03-12T10:00', end: '2026-03-12T10:30', title: 'sample import', ical },
    'event.update': { user: 'alice', eventId: 'evt-nyc-999999', start: '2026-03-12T11:00', end: '2026-03-12T11:30' },
    'event.delete': { user: 'alice', eventId: 'evt-nyc-999999' },
    'event.list': { user: 'alice' },
    'calendar.agenda': { user: 'alice', ...SAMPLE_WINDOW },
    'notifications.poll': { user: 'alice', after: 0, waitMs: 0 },
    'calendar.freeBusy': { users: ['alice', 'bob'], ...SAMPLE_WINDOW },
    'calendar.availability': { users: ['alice', 'bob'], ...SAMPLE_WINDOW },
    'calendar.suggest': { organizer: 'alice', attendees: ['bob'], durationMinutes: 60, ...SAMPLE_WINDOW },
    'calendar.conflicts': { organizer: 'alice', attendees: ['bob'], start: '2026-03-10T09:00', durationMinutes: 60 },
    'calendar.changes': { after: 0, waitMs: 0 },
    'calendar.freeBusyStats': {},
    'meeting.book': { organizer: 'alice', attendees: [], start: '2026-03-13T15:00', durationMinutes: 15, title: 'sample' },
    'meeting.update': { id: meetingId, title: 'renamed', expectedVersion: NO_SUCH_VERSION },
    'meeting.cancel': { id: meetingId, expectedVersion: NO_SUCH_VERSION },
    'meeting.respond': { id: meetingId, user: 'alice', response: 'accepted' },
    'meeting.get': { id: meetingId },
    'xoffice.book': { organizer: 'alice', attendees: [], start: '2026-03-13T16:00', durationMinutes: 15, title: 'sample' },
    'xoffice.locate': { users: ['alice', 'bob'] },
    'xoffice.prepare': {
      txId: 'mtg-nyc-999999',
      coordinatorOffice: 'nyc',
      coordinatorTerm: 1,
      intent: { kind: 'cancel', meetingId: 'mtg-nyc-999999', occurrence: null },
      required: [],
      optional: [],
      leaseMs: 1000,
    },
    'xoffice.decide': { txId: 'mtg-nyc-999999', coordinatorTerm: 1, decision: 'abort', token: null },
    'xoffice.outcome': { txId: 'mtg-nyc-999999', office: 'nyc' },
    'xoffice.transaction': { txId: 'mtg-nyc-999999' },
    'xoffice.participant': { txId: 'mtg-nyc-999999' },
    'xoffice.displace': { txId: 'mtg-nyc-999999', office: 'nyc', by: { txId: 'mtg-nyc-999998', title: 'x', priority: 1 } },
    'xoffice.cancel': { id: meetingId, expectedVersion: NO_SUCH_VERSION },
    'xoffice.move': { id: meetingId, title: 'renamed', expectedVersion: NO_SUCH_VERSION },
    'xoffice.respond': { id: meetingId, user: 'alice', response: 'accepted' },
    'xoffice.recordResponse': { id: meetingId, user: 'nobody', response: 'accepted' },
    'xoffice.stats': {},
    'directory.lookup': { users: ['alice', 'bob'] },
    'directory.offices': {},
    'directory.learn': { from: 'nyc', entries: [] },
    'directory.addOffice': { office: nycOffice([{ id: 'nyc-1', host: '127.0.0.1', port: world.replicaPort }]) },
    'directory.moveUser': { user: 'alice', to: 'nowhere' },
    'directory.move': { id: 'move-nyc-999999' },
    'directory.import': { moveId: 'move-nowhere-1', from: 'nowhere', user: 'sample-moved', epoch: 1, records: [] },
  }
}
