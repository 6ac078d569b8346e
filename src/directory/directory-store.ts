/** Reads of the directory from an office's keyspace (applied state, or an apply batch). */
import type { OfficeConfig } from '../config/cluster-config-schema.js'
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import type { DirectoryEntry, UserMove } from './directory-command.js'
import { directoryKeys, entryCodec, moveCodec, numberCodec, officeCodec, textCodec } from './directory-keyspace.js'

export async function readEntry(reader: KeyspaceReader, user: string): Promise<DirectoryEntry | null> {
  const bytes = await reader.get(directoryKeys.user(user))
  return bytes === undefined ? null : entryCodec.decode(bytes)
}

export async function readNumber(reader: KeyspaceReader, key: string): Promise<number> {
  const bytes = await reader.get(key)
  return bytes === undefined ? 0 : numberCodec.decode(bytes)
}

export async function addedOffices(reader: KeyspaceReader): Promise<OfficeConfig[]> {
  return (await reader.range({ prefix: directoryKeys.offices() })).map(([, bytes]) => officeCodec.decode(bytes))
}

export async function readMove(reader: KeyspaceReader, id: string): Promise<UserMove | null> {
  const bytes = await reader.get(directoryKeys.move(id))
  return bytes === undefined ? null : moveCodec.decode(bytes)
}

export async function openMoveIds(reader: KeyspaceReader): Promise<string[]> {
  const prefix = directoryKeys.openMoves()
  return (await reader.range({ prefix })).map(([key]) => key.slice(prefix.length))
}

/** The entry that won the id over this office's person of the same id, when both offices added it at once. */
export async function readDuplicate(reader: KeyspaceReader, user: string): Promise<DirectoryEntry | null> {
  const bytes = await reader.get(directoryKeys.duplicate(user))
  return bytes === undefined ? null : entryCodec.decode(bytes)
}

/** The person's move in flight, if any: their records are in the move record meanwhile. */
export async function moveInFlight(reader: KeyspaceReader, user: string): Promise<string | null> {
  const bytes = await reader.get(directoryKeys.moving(user))
  return bytes === undefined ? null : textCodec.decode(bytes)
}
