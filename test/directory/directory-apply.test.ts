/**
 * The directory's replicated commands on real state machines of two offices: people added are
 * published, learned entries follow the epoch rule, and a move takes a person's whole calendar
 * from one office to the other, or puts it back when the destination refuses.
 */
import t from 'tap'
import type { Entry } from '../../raft/types.js'
import { readUser, listEvents } from '../../src/calendar-service/calendar-store.js'
import type { DirectoryCommand, DirectoryResult } from '../../src/directory/directory-command.js'
import { directoryKeys } from '../../src/directory/directory-keyspace.js'
import { openMoveIds, readDuplicate, readEntry, readNumber } from '../../src/directory/directory-store.js'
import { encodeProposal, type OfficeOutcome } from '../../src/office/office-command.js'
import { OfficeStateMachine } from '../../src/office/office-state-machine.js'
import { ReplicaDb } from '../../storage/replica-db.js'
import { StateMachineStore } from '../../storage/state-machine-store.js'
import { EntryLog, event, meeting, NYC, user } from '../calendar-service/calendar-machine-fixture.js'
import { readMeeting } from '../../src/calendar-service/calendar-store.js'
import type { Test } from 'tap'

const AT = Date.UTC(2026, 0, 5)

/** One office's state machine with a log of calendar and directory entries. */
async function office(t: Test, officeId: string) {
  const db = await ReplicaDb.open(t.testdir() + `/${officeId}`, { clusterId: 'c', replicaId: `${officeId}-1` })
  t.teardown(() => db.close())
  const machine = new OfficeStateMachine(await StateMachineStore.open(db), { office: { ...NYC, officeId } })
  const log = new EntryLog(1, AT)
  let index = 0
  const next = (make: (i: number) => Entry): Entry => make(++index)
  return {
    machine,
    store: machine.store,
    calendar: async (command: Parameters<EntryLog['entry']>[0]) => {
      const entry = next((i) => ({ ...log.entry(command, `cal-${i}`), index: i }))
      return (await machine.apply([entry]))[0]
    },
    directory: async (command: DirectoryCommand): Promise<DirectoryResult> => {
      const entry = next((i) => ({ kind: 'command', term: 1, index: i, data: encodeProposal({ requestId: `dir-${i}`, command: { kind: 'directory', command }, atMs: AT }) }))
      return directoryResult((await machine.apply([entry]))[0])
    },
  }
}

function directoryResult(outcome: OfficeOutcome | null | undefined): DirectoryResult {
  if (outcome?.ok === false) throw new Error(outcome.message)
  if (!outcome?.ok || outcome.result.kind !== 'directory') throw new Error(`expected a directory result, got ${JSON.stringify(outcome)}`)
  return outcome.result.result
}

async function logEntries(store: StateMachineStore): Promise<number> {
  return (await store.range({ prefix: directoryKeys.logs() })).length
}

t.test('a person added is published; learned entries keep the highest epoch', async (t) => {
  const nyc = await office(t, 'nyc')
  const lon = await office(t, 'lon')
  await nyc.calendar(user('alice'))
  t.same(await readEntry(nyc.store, 'alice'), { user: 'alice', office: 'nyc', epoch: 1 })
  t.equal(await logEntries(nyc.store), 1, 'one entry to publish')

  t.same(await lon.directory({ kind: 'dir.learn', from: 'nyc', entries: [{ user: 'alice', office: 'nyc', epoch: 1 }] }), { kind: 'learned', applied: 1 })
  t.same(await lon.directory({ kind: 'dir.learn', from: 'tok', entries: [{ user: 'alice', office: 'tok', epoch: 1 }] }), { kind: 'learned', applied: 0 }, 'an equal epoch does not replace the entry')
  t.same(await lon.directory({ kind: 'dir.learn', from: 'tok', entries: [{ user: 'alice', office: 'tok', epoch: 2 }] }), { kind: 'learned', applied: 1 }, 'a newer epoch does')
  t.equal((await readEntry(lon.store, 'alice'))?.office, 'tok')

  await nyc.directory({ kind: 'dir.published', target: 'lon', seq: 1 })
  await nyc.directory({ kind: 'dir.published', target: 'lon', seq: 0 })
  t.equal(await readNumber(nyc.store, directoryKeys.cursor('lon')), 1, 'the publication cursor never goes back')
})

t.test('a move carries the calendar to the destination, publishes the new home and supersedes the old entry', async (t) => {
  const nyc = await office(t, 'nyc')
  const lon = await office(t, 'lon')
  await nyc.calendar(user('alice'))
  await nyc.calendar(event('alice', '2026-03-10T09:00', 60))
  await nyc.calendar(event('alice', '2026-03-11T09:00', 30, ['RRULE:FREQ=WEEKLY;COUNT=3']))

  const begun = await nyc.directory({ kind: 'move.begin', user: 'alice', to: 'lon' })
  if (begun.kind !== 'move' || begun.move.state.kind !== 'exporting') throw new Error(`expected an exporting move, got ${JSON.stringify(begun)}`)
  const move = begun.move
  const records = begun.move.state.records
  t.equal(await readUser(nyc.store, 'alice'), null, 'the person is out of the live keyspace while in flight')
  t.same(await openMoveIds(nyc.store), [move.id])
  const imported = await lon.directory({ kind: 'move.import', moveId: move.id, from: 'nyc', user: 'alice', epoch: move.epoch, records })
  t.same(imported, { kind: 'imported' })
  t.same(await lon.directory({ kind: 'move.import', moveId: move.id, from: 'nyc', user: 'alice', epoch: move.epoch, records }), { kind: 'imported' }, 'a repeated import is answered, not applied twice')
  t.equal((await readUser(lon.store, 'alice'))?.office, 'lon', "the person's record names the new office")
  t.equal((await listEvents(lon.store, 'alice')).length, 2, 'both events moved')

  const finished = await nyc.directory({ kind: 'move.finish', moveId: move.id, outcome: { kind: 'moved' } })
  t.match(finished, { kind: 'move', move: { state: { kind: 'moved' } } })
  t.same(await readEntry(nyc.store, 'alice'), { user: 'alice', office: 'lon', epoch: 2 })
  t.equal(await logEntries(nyc.store), 1, 'the older entry about alice was replaced in the publication log')
  t.same(await openMoveIds(nyc.store), [])
  t.same(await readEntry(lon.store, 'alice'), { user: 'alice', office: 'lon', epoch: 2 })
})

t.test('a refused move puts everything back', async (t) => {
  const nyc = await office(t, 'nyc')
  const lon = await office(t, 'lon')
  await nyc.calendar(user('alice'))
  await nyc.calendar(event('alice', '2026-03-10T09:00', 60))
  await lon.calendar(user('alice'))
  const before = await nyc.store.range({ prefix: 'cal/' })

  const begun = await nyc.directory({ kind: 'move.begin', user: 'alice', to: 'lon' })
  if (begun.kind !== 'move' || begun.move.state.kind !== 'exporting') throw new Error('expected an exporting move')
  const answer = await lon.directory({ kind: 'move.import', moveId: begun.move.id, from: 'nyc', user: 'alice', epoch: begun.move.epoch, records: begun.move.state.records })
  t.same(answer, { kind: 'refused', reason: 'office lon already has a user "alice"' })
  const finished = await nyc.directory({ kind: 'move.finish', moveId: begun.move.id, outcome: { kind: 'aborted', reason: 'taken' } })
  t.match(finished, { kind: 'move', move: { state: { kind: 'aborted', reason: 'taken' } } })
  t.same(await nyc.store.range({ prefix: 'cal/' }), before, "the person's calendar is back exactly as it was")
  t.same(await readEntry(nyc.store, 'alice'), { user: 'alice', office: 'nyc', epoch: 1 })
})

t.test('moves that cannot start are refused with a reason', async (t) => {
  const nyc = await office(t, 'nyc')
  await nyc.calendar(user('alice'))
  const rejection = async (command: DirectoryCommand): Promise<string> => {
    const outcome = await nyc.directory(command).then(
      () => 'accepted',
      (error: Error) => error.message,
    )
    return outcome
  }
  t.match(await rejection({ kind: 'move.begin', user: 'alice', to: 'nyc' }), /already in office nyc/)
  t.match(await rejection({ kind: 'move.begin', user: 'bob', to: 'lon' }), /"bob" is not in office nyc/)
})

t.test("records of the meetings a person attends travel as copies; the source keeps its own", async (t) => {
  const nyc = await office(t, 'nyc')
  const lon = await office(t, 'lon')
  await nyc.calendar(user('alice'))
  await nyc.calendar(user('carol'))
  const booked = await nyc.calendar(meeting('carol', ['alice'], '2026-03-10T10:00'))
  const meetingId = booked?.ok === true && booked.result.kind === 'calendar' && booked.result.result.kind === 'booking' && booked.result.result.outcome.status === 'booked' ? booked.result.result.outcome.meeting.id : ''
  t.match(meetingId, /^mtg-nyc-/)

  const begun = await nyc.directory({ kind: 'move.begin', user: 'alice', to: 'lon' })
  if (begun.kind !== 'move' || begun.move.state.kind !== 'exporting') throw new Error('expected an exporting move')
  t.ok(begun.move.state.records.some(([key]) => key === `cal/meeting/${meetingId}`), 'the meeting record travels')
  t.not(await readMeeting(nyc.store, meetingId), null, 'and stays in the source office')
  await lon.directory({ kind: 'move.import', moveId: begun.move.id, from: 'nyc', user: 'alice', epoch: begun.move.epoch, records: begun.move.state.records })
  t.equal((await readMeeting(lon.store, meetingId))?.organizer, 'carol', 'the destination has the meeting record')
})

t.test('user ids are unique across offices: an id the directory places elsewhere is refused, naming the office', async (t) => {
  const lon = await office(t, 'lon')
  t.same(await lon.directory({ kind: 'dir.learn', from: 'nyc', entries: [{ user: 'alice', office: 'nyc', epoch: 1 }] }), { kind: 'learned', applied: 1 })
  t.match(await lon.calendar(user('alice')), { ok: false, code: 'REJECTED', message: 'id: user "alice" already exists in office nyc; user ids are unique across offices' })
  t.equal(await readUser(lon.store, 'alice'), null, 'nothing of the refused person is kept')
  t.same(await readEntry(lon.store, 'alice'), { user: 'alice', office: 'nyc', epoch: 1 })
  t.equal(await logEntries(lon.store), 0, 'and nothing is published')
  t.match(await lon.calendar(user('bob')), { ok: true }, 'other ids are added as before')
})

t.test('an id added in two offices at once: every office settles on the lower office id, whatever order it learns in; the other is flagged', async (t) => {
  const lon = await office(t, 'lon')
  const nyc = await office(t, 'nyc')
  const tok = await office(t, 'tok')
  await lon.calendar(user('alice'))
  await nyc.calendar(user('alice'))
  const fromLon = { kind: 'dir.learn' as const, from: 'lon', entries: [{ user: 'alice', office: 'lon', epoch: 1 }] }
  const fromNyc = { kind: 'dir.learn' as const, from: 'nyc', entries: [{ user: 'alice', office: 'nyc', epoch: 1 }] }
  await lon.directory(fromNyc)
  await nyc.directory(fromLon)
  await tok.directory(fromNyc)
  await tok.directory(fromLon)
  for (const [name, o] of [['lon', lon], ['nyc', nyc], ['tok', tok]] as const) {
    t.same(await readEntry(o.store, 'alice'), { user: 'alice', office: 'lon', epoch: 1 }, `${name} places alice in lon`)
  }
  const reversed = await office(t, 'sfo')
  await reversed.directory(fromLon)
  t.same(await reversed.directory(fromNyc), { kind: 'learned', applied: 0 }, 'learnt in the other order, the same entry stays')
  t.same(await readDuplicate(nyc.store, 'alice'), { user: 'alice', office: 'lon', epoch: 1 }, "nyc's alice is flagged as the duplicate")
  t.equal(await readDuplicate(lon.store, 'alice'), null, "lon's is not")
  await nyc.calendar(event('alice', '2026-03-10T09:00', 60))
  await t.rejects(nyc.directory({ kind: 'move.begin', user: 'alice', to: 'tok' }), /"alice" here is a duplicate of the id in office lon/, 'the duplicate cannot move (its new epoch would take the id from lon)')
})
