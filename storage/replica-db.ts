/**
 * The LevelDB database of one replica directory, and the layout of its keyspace. Every store of a
 * replica lives in a sublevel of this one database, so a single LevelDB batch can span them.
 *
 * The first open records a format version and the replica's identity (cluster id, replica id).
 * Later opens check them: pointing a replica at another replica's or another cluster's directory,
 * or at a damaged one, fails with an error that names the directory, never an empty fresh start.
 */
import { mkdir, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import type { AbstractSublevel } from 'abstract-level'
import type { Index } from '../raft/types.js'
import { writeIndexBigEndian } from './raft-record-codec.js'
import { RawBatch } from './raw-batch.js'

export const STORAGE_FORMAT_VERSION = 1

export interface ReplicaIdentity {
  readonly clusterId: string
  readonly replicaId: string
}

export type ReplicaLevel = Level<string, string>
export type BinarySublevel = AbstractSublevel<ReplicaLevel, string | Buffer | Uint8Array, Uint8Array, Uint8Array>
export type TextKeySublevel = AbstractSublevel<ReplicaLevel, string | Buffer | Uint8Array, string, Uint8Array>

export class ReplicaDbError extends Error {
  constructor(
    readonly directory: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`replica directory ${directory}: ${detail}`, options)
    this.name = 'ReplicaDbError'
  }
}

const IDENTITY_KEY = 'identity'
const IDENTIFIER = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

export class ReplicaDb {
  /** Raft log entries keyed by 8-byte big-endian index. */
  readonly raftLog: BinarySublevel
  /** Hard state and the latest snapshot (metadata and data), under fixed text keys. */
  readonly raftState: TextKeySublevel
  /** The replicated state machine's own keys. */
  readonly stateMachine: TextKeySublevel
  /** The state machine's applied index and term, next to (not inside) its keyspace. */
  readonly stateMachineMeta: TextKeySublevel

  /** The sublevels' key prefixes, for keys written through a `RawBatch`. */
  private readonly logPrefix: Buffer
  private readonly raftStatePrefix: string
  private readonly stateMachinePrefix: string
  private readonly stateMachineMetaPrefix: string

  private constructor(
    readonly root: ReplicaLevel,
    readonly directory: string,
    readonly identity: ReplicaIdentity,
  ) {
    const binary = { keyEncoding: 'view', valueEncoding: 'view' } as const
    const textKeys = { keyEncoding: 'utf8', valueEncoding: 'view' } as const
    this.raftLog = root.sublevel<Uint8Array, Uint8Array>('log', binary)
    this.raftState = root.sublevel<string, Uint8Array>('raft', textKeys)
    this.stateMachine = root.sublevel<string, Uint8Array>('sm', textKeys)
    this.stateMachineMeta = root.sublevel<string, Uint8Array>('smmeta', textKeys)
    this.logPrefix = Buffer.from(this.raftLog.prefix, 'utf8')
    this.raftStatePrefix = this.raftState.prefix
    this.stateMachinePrefix = this.stateMachine.prefix
    this.stateMachineMetaPrefix = this.stateMachineMeta.prefix
  }

  /** A new batch of raw operations; build its keys with the `*Key` methods below. */
  rawBatch(): RawBatch {
    return new RawBatch(this.root)
  }

  /** The key of log entry `index` in the root keyspace: the `raftLog` prefix, then 8 bytes big-endian. */
  logKey(index: Index): Uint8Array {
    const key = Buffer.allocUnsafe(this.logPrefix.length + 8)
    this.logPrefix.copy(key, 0)
    writeIndexBigEndian(key, this.logPrefix.length, index)
    return key
  }

  raftStateKey(key: string): string {
    return this.raftStatePrefix + key
  }

  stateMachineKey(key: string): string {
    return this.stateMachinePrefix + key
  }

  stateMachineMetaKey(key: string): string {
    return this.stateMachineMetaPrefix + key
  }

  static async open(directory: string, identity: ReplicaIdentity): Promise<ReplicaDb> {
    for (const [field, value] of Object.entries(identity)) {
      if (!IDENTIFIER.test(value)) {
        throw new ReplicaDbError(directory, `${field} ${JSON.stringify(value)} must be 1-128 of [A-Za-z0-9._-]`)
      }
    }
    await ensureLevelDbDirectory(directory)
    // No block compression: snappy cost about a fifth of the compaction threads' CPU under load
    // (7% less CPU per put without it, docs/BENCHMARKS.md), for tables of small records.
    const root: ReplicaLevel = new Level<string, string>(directory, { keyEncoding: 'utf8', valueEncoding: 'utf8', compression: false })
    try {
      await root.open({ createIfMissing: true })
    } catch (error) {
      const cause = (error as { cause?: Error }).cause
      throw new ReplicaDbError(directory, `cannot open LevelDB (${cause?.message ?? (error as Error).message})`, {
        cause: error,
      })
    }
    try {
      await checkOrRecordIdentity(root, directory, identity)
    } catch (error) {
      await root.close()
      throw error
    }
    return new ReplicaDb(root, directory, identity)
  }

  /** Decodes a record read from this directory, naming the directory and the record on failure. */
  decodeRecord<T>(what: string, decode: () => T): T {
    try {
      return decode()
    } catch (error) {
      throw new ReplicaDbError(this.directory, `${what}: ${(error as Error).message}`, { cause: error })
    }
  }

  async close(): Promise<void> {
    await this.root.close()
  }
}

/** LevelDB would happily create a database inside any directory; refuse one holding other files. */
async function ensureLevelDbDirectory(directory: string): Promise<void> {
  let names: string[]
  try {
    names = await readdir(directory)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ReplicaDbError(directory, `not a readable directory (${(error as Error).message})`, { cause: error })
    }
    await mkdir(directory, { recursive: true })
    return
  }
  if (names.length > 0 && !names.includes('CURRENT')) {
    throw new ReplicaDbError(directory, 'is not empty and holds no LevelDB database (no CURRENT file)')
  }
  if (names.includes('CURRENT') && !(await stat(join(directory, 'CURRENT'))).isFile()) {
    throw new ReplicaDbError(directory, 'CURRENT is not a file')
  }
}

async function checkOrRecordIdentity(root: ReplicaLevel, directory: string, identity: ReplicaIdentity): Promise<void> {
  const meta = root.sublevel<string, string>('meta', { keyEncoding: 'utf8', valueEncoding: 'utf8' })
  const stored = await meta.get(IDENTITY_KEY)
  if (stored === undefined) {
    for await (const key of root.keys({ limit: 1 })) {
      throw new ReplicaDbError(directory, `holds data (first key ${JSON.stringify(key)}) but no replica identity`)
    }
    const record = { format: STORAGE_FORMAT_VERSION, clusterId: identity.clusterId, replicaId: identity.replicaId }
    await root.batch().put(IDENTITY_KEY, JSON.stringify(record), { sublevel: meta }).write({ sync: true })
    return
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(stored)
  } catch {
    throw new ReplicaDbError(directory, 'replica identity record is corrupt')
  }
  const record = parsed as { format?: unknown; clusterId?: unknown; replicaId?: unknown }
  if (record.format !== STORAGE_FORMAT_VERSION) {
    throw new ReplicaDbError(
      directory,
      `storage format ${String(record.format)} is not the format this build reads (${STORAGE_FORMAT_VERSION})`,
    )
  }
  if (record.clusterId !== identity.clusterId) {
    throw new ReplicaDbError(
      directory,
      `belongs to cluster ${JSON.stringify(record.clusterId)}, not ${JSON.stringify(identity.clusterId)}`,
    )
  }
  if (record.replicaId !== identity.replicaId) {
    throw new ReplicaDbError(
      directory,
      `belongs to replica ${JSON.stringify(record.replicaId)}, not ${JSON.stringify(identity.replicaId)}`,
    )
  }
}
