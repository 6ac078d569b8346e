/**
 * Applies directory commands in an office's log: entries learned from other offices, publication
 * progress, offices added while running, and both sides of moving a person between offices.
 * Deterministic: "now" is the entry's atMs, ids come from the entry's index.
 */
import { reject } from '../calendar-service/calendar-command.js'
import type { CalendarApplyContext } from '../calendar-service/calendar-apply-context.js'
import { calendarKeys, eventCodec, personPrefixes, userCodec } from '../calendar-service/calendar-keyspace.js'
import { readUser } from '../calendar-service/calendar-store.js'
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import type { DirectoryCommand, DirectoryEntry, DirectoryResult, MovedRecords, UserMove } from './directory-command.js'
import { directoryKeys, entryCodec, moveCodec, numberCodec, officeCodec, textCodec } from './directory-keyspace.js'
import { moveInFlight, readDuplicate, readEntry, readMove, readNumber } from './directory-store.js'

export async function applyDirectoryCommand(command: DirectoryCommand, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<DirectoryResult> {
  const self = ctx.office.officeId
  switch (command.kind) {
    case 'dir.learn': {
      let applied = 0
      for (const entry of command.entries) {
        const current = await readEntry(tx, entry.user)
        if (current !== null && !supersedes(entry, current)) continue
        tx.put(directoryKeys.user(entry.user), entryCodec.encode(entry))
        // Two offices added the id before either learned of the other: this office's person lost.
        if (entry.office !== self && (await readUser(tx, entry.user)) !== null) tx.put(directoryKeys.duplicate(entry.user), entryCodec.encode(entry))
        applied += 1
      }
      return { kind: 'learned', applied }
    }
    case 'dir.published': {
      const key = directoryKeys.cursor(command.target)
      if ((await readNumber(tx, key)) < command.seq) tx.put(key, numberCodec.encode(command.seq))
      return { kind: 'published' }
    }
    case 'dir.office.add':
      if (command.office.id !== self) tx.put(directoryKeys.office(command.office.id), officeCodec.encode(command.office))
      return { kind: 'office', office: command.office.id }
    case 'move.begin':
      return { kind: 'move', move: await beginMove(command.user, command.to, tx, ctx) }
    case 'move.import':
      return importUser(command, tx, self)
    case 'move.finish': {
      const move = (await readMove(tx, command.moveId)) ?? reject({ code: 'NOT_FOUND', message: `move "${command.moveId}" does not exist in office ${self}` })
      if (move.state.kind !== 'exporting') return { kind: 'move', move }
      let settled: UserMove
      if (command.outcome.kind === 'moved') {
        await publishEntry(tx, { user: move.user, office: move.to, epoch: move.epoch })
        settled = { ...move, state: { kind: 'moved', settledAtMs: ctx.atMs } }
      } else {
        // Meeting records were copied, not taken: the source's own may have changed since.
        for (const [key, value] of move.state.records) if (!isMeetingKey(key)) tx.put(key, value)
        settled = { ...move, state: { kind: 'aborted', reason: command.outcome.reason, settledAtMs: ctx.atMs } }
      }
      tx.put(directoryKeys.move(move.id), moveCodec.encode(settled))
      tx.del(directoryKeys.moving(move.user))
      tx.del(directoryKeys.openMove(move.id))
      return { kind: 'move', move: settled }
    }
  }
}

/**
 * A person added to this office: their home becomes part of what this office publishes. Ids are
 * unique across offices, so an id the directory places in another office is refused.
 */
export async function recordLocalUser(tx: KeyspaceTransaction, user: string, office: string): Promise<void> {
  const current = await readEntry(tx, user)
  if (current !== null && current.office !== office) {
    reject({ code: 'REJECTED', message: `id: user "${user}" already exists in office ${current.office}; user ids are unique across offices` })
  }
  await publishEntry(tx, { user, office, epoch: (current?.epoch ?? 0) + 1 })
}

/**
 * Whether `incoming` replaces `current`: a higher epoch (a later move) does; at equal epochs two
 * offices added the same id before either learned of the other, and the lower office id wins, so
 * every office settles on the same entry whatever order the publications reach it in.
 */
export function supersedes(incoming: DirectoryEntry, current: DirectoryEntry): boolean {
  if (incoming.epoch !== current.epoch) return incoming.epoch > current.epoch
  return incoming.office < current.office
}

/** Sets the person's entry here and appends it to the log this office publishes (replacing their older one). */
async function publishEntry(tx: KeyspaceTransaction, entry: DirectoryEntry): Promise<void> {
  tx.put(directoryKeys.user(entry.user), entryCodec.encode(entry))
  const seq = (await readNumber(tx, directoryKeys.lastSeq())) + 1
  const previous = await tx.get(directoryKeys.logOf(entry.user))
  if (previous !== undefined) tx.del(directoryKeys.log(numberCodec.decode(previous)))
  tx.put(directoryKeys.log(seq), entryCodec.encode(entry))
  tx.put(directoryKeys.logOf(entry.user), numberCodec.encode(seq))
  tx.put(directoryKeys.lastSeq(), numberCodec.encode(seq))
}

/** Every key that makes up a person's calendar in this office: these leave with them. */
async function personRecords(tx: KeyspaceTransaction, user: string): Promise<Array<[string, Uint8Array]>> {
  const records: Array<[string, Uint8Array]> = []
  for (const key of [calendarKeys.user(user), calendarKeys.lastSeq(user)]) {
    const value = await tx.get(key)
    if (value !== undefined) records.push([key, value])
  }
  for (const prefix of personPrefixes(user)) records.push(...(await tx.range({ prefix })))
  return records
}

/**
 * The records of the meetings the person attends, copied (they stay here too): the destination
 * then takes part in later changes of those meetings, which place attendees by the directory.
 */
async function attendedMeetings(tx: KeyspaceTransaction, user: string): Promise<Array<[string, Uint8Array]>> {
  const meetings: Array<[string, Uint8Array]> = []
  for (const [, bytes] of await tx.range({ prefix: calendarKeys.events(user) })) {
    const meetingId = eventCodec.decode(bytes).event.meetingId
    if (meetingId === null || meetingId === undefined) continue
    const record = await tx.get(calendarKeys.meeting(meetingId))
    if (record !== undefined) meetings.push([calendarKeys.meeting(meetingId), record])
  }
  return meetings
}

function isMeetingKey(key: string): boolean {
  return key.startsWith('cal/meeting/')
}

async function beginMove(user: string, to: string, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<UserMove> {
  const self = ctx.office.officeId
  if (to === self) reject({ code: 'REJECTED', message: `to: user "${user}" is already in office ${self}` })
  if ((await readUser(tx, user)) === null) reject({ code: 'NOT_FOUND', message: `user: "${user}" is not in office ${self}` })
  const duplicate = await readDuplicate(tx, user)
  // Its new home would outrank the entry that won the id, and take the id from that office's person.
  if (duplicate !== null) reject({ code: 'REJECTED', message: `user: "${user}" here is a duplicate of the id in office ${duplicate.office} (both were added at once); it cannot move` })
  const inFlight = await moveInFlight(tx, user)
  if (inFlight !== null) reject({ code: 'REJECTED', message: `user: "${user}" is already being moved (${inFlight})` })
  if ((await tx.range({ prefix: calendarKeys.holds(user) })).length > 0) {
    reject({ code: 'REJECTED', message: `user: "${user}" has holds of cross-office bookings in progress; move them once those are decided` })
  }
  const records = await personRecords(tx, user)
  const meetings = await attendedMeetings(tx, user)
  const epoch = ((await readEntry(tx, user))?.epoch ?? 1) + 1
  const move: UserMove = { id: `move-${self}-${ctx.index}`, user, from: self, to, epoch, beganAtMs: ctx.atMs, state: { kind: 'exporting', records: [...records, ...meetings] } }
  for (const [key] of records) tx.del(key)
  tx.put(directoryKeys.move(move.id), moveCodec.encode(move))
  tx.put(directoryKeys.moving(user), textCodec.encode(move.id))
  tx.put(directoryKeys.openMove(move.id), new Uint8Array([1]))
  return move
}

async function importUser(command: Extract<DirectoryCommand, { kind: 'move.import' }>, tx: KeyspaceTransaction, self: string): Promise<DirectoryResult> {
  const current = await readEntry(tx, command.user)
  // A repeated import (a retry after a lost answer) finds its own result.
  if (current !== null && current.office === self && current.epoch >= command.epoch) return { kind: 'imported' }
  if ((await readUser(tx, command.user)) !== null) return { kind: 'refused', reason: `office ${self} already has a user "${command.user}"` }
  for (const [key, value] of rehomed(command.records, command.user, self)) {
    // A meeting this office already takes part in keeps its own (current) record.
    if (isMeetingKey(key) && (await tx.get(key)) !== undefined) continue
    tx.put(key, value)
  }
  await publishEntry(tx, { user: command.user, office: self, epoch: command.epoch })
  return { kind: 'imported' }
}

/** The person's own record names their office: it becomes this one. */
function rehomed(records: MovedRecords, user: string, office: string): MovedRecords {
  const userKey = calendarKeys.user(user)
  return records.map(([key, value]) => (key === userKey ? [key, userCodec.encode({ ...userCodec.decode(value), office })] : [key, value]))
}
