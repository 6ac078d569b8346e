/**
 * Where the directory lives in an office's keyspace:
 *
 *   dir/user/<user>        DirectoryEntry: the person's office and epoch (this office's people too)
 *   dir/office/<office>    OfficeConfig of an office added while running
 *   dir/log/<seq>          DirectoryEntry about this office's people, to publish to the others
 *   dir/logof/<user>       seq of the person's live log entry (an older one is deleted when superseded)
 *   dir/lastseq            last seq used
 *   dir/cursor/<office>    last seq delivered to that office
 *   dir/move/<move>        UserMove (source office)
 *   dir/moving/<user>      move id while the person's records are in flight
 *   dir/moveopen/<move>    marker: a move not settled yet
 *   dir/duplicate/<user>   DirectoryEntry that won over this office's person of the same id (added in both at once)
 */
import { recordCodec as codec } from '../office/record-codec.js'
import type { OfficeConfig } from '../config/cluster-config-schema.js'
import type { DirectoryEntry, UserMove } from './directory-command.js'

const SEQ_WIDTH = 12

export const directoryKeys = {
  user: (user: string) => `dir/user/${user}`,
  office: (office: string) => `dir/office/${office}`,
  offices: () => 'dir/office/',
  log: (seq: number) => `dir/log/${String(seq).padStart(SEQ_WIDTH, '0')}`,
  logs: () => 'dir/log/',
  logOf: (user: string) => `dir/logof/${user}`,
  lastSeq: () => 'dir/lastseq',
  cursor: (office: string) => `dir/cursor/${office}`,
  move: (id: string) => `dir/move/${id}`,
  moves: () => 'dir/move/',
  moving: (user: string) => `dir/moving/${user}`,
  openMove: (id: string) => `dir/moveopen/${id}`,
  openMoves: () => 'dir/moveopen/',
  duplicate: (user: string) => `dir/duplicate/${user}`,
} as const


export const entryCodec = codec<DirectoryEntry>()
export const officeCodec = codec<OfficeConfig>()
export const moveCodec = codec<UserMove>()
export const numberCodec = codec<number>()
export const textCodec = codec<string>()
