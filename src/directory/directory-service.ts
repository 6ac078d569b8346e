/**
 * The directory on an office replica: answers lookups from the replicated keyspace, applies what
 * other offices publish, and, while this replica leads its office, publishes this office's
 * directory log to every other office and drives moves of people out of this office.
 */
import type { KeyRange } from '../../storage/state-machine-store.js'
import type { ClusterClient } from '../client/cluster-client.js'
import { readUser } from '../calendar-service/calendar-store.js'
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import { RpcError } from '../rpc/rpc-error.js'
import { warnSampled, type RpcLogger } from '../rpc/rpc-logger.js'
import type { RequestContext, RpcServer } from '../rpc/rpc-server.js'
import { DIRECTORY_PARAM_SCHEMAS, moveView, type DirectoryMethods, type UserLocation } from './directory-api.js'
import type { DirectoryCommand, DirectoryResult, MovedRecords, MoveOutcome, UserMove } from './directory-command.js'
import { directoryKeys, entryCodec } from './directory-keyspace.js'
import { moveInFlight, openMoveIds, readDuplicate, readEntry, readMove, readNumber } from './directory-store.js'
import type { OfficeTopology } from './office-topology.js'

export interface DirectoryStore extends KeyspaceReader {
  range(range: KeyRange): Promise<Array<[string, Uint8Array]>>
}

export interface DirectoryServiceDeps {
  readonly officeId: string
  readonly store: DirectoryStore
  readonly topology: OfficeTopology
  /** Proposes through this office's log; rejects with NOT_LEADER when this replica does not lead. */
  readonly propose: (command: DirectoryCommand, requestId: string, signal: AbortSignal) => Promise<DirectoryResult>
  readonly leaderTerm: () => number | null
  readonly office: (officeId: string) => Pick<ClusterClient<DirectoryMethods>, 'call'>
  readonly readBarrier: (stale: boolean, ctx: RequestContext) => Promise<void>
  readonly passIntervalMs: number
  readonly logger: RpcLogger
}

/** Log entries sent to one office per call. */
const PUBLISH_BATCH = 500
const CALL_TIMEOUT_MS = 5000

export class DirectoryService {
  private timer: NodeJS.Timeout | null = null
  private passing = false
  private readonly driving = new Map<string, Promise<UserMove>>()
  private publishFailures = 0

  constructor(private readonly deps: DirectoryServiceDeps) {}

  register(rpc: RpcServer): void {
    const s = DIRECTORY_PARAM_SCHEMAS
    const { deps } = this
    rpc
      .method('directory.lookup', s['directory.lookup'], async (p, ctx) => {
        await deps.readBarrier(p.stale === true, ctx)
        return { office: deps.officeId, users: await Promise.all(p.users.map((id) => this.locate(id))) }
      })
      .method('directory.offices', s['directory.offices'], () => ({ offices: deps.topology.all() }))
      .method('directory.learn', s['directory.learn'], async (p, ctx) => {
        const result = expect(await deps.propose({ kind: 'dir.learn', from: p.from, entries: p.entries }, ctx.requestId, ctx.signal), 'learned', ctx)
        return { applied: result.applied }
      })
      .method('directory.addOffice', s['directory.addOffice'], async (p, ctx) => {
        const result = expect(await deps.propose({ kind: 'dir.office.add', office: p.office }, ctx.requestId, ctx.signal), 'office', ctx)
        return { office: result.office }
      })
      .method('directory.moveUser', s['directory.moveUser'], async (p, ctx) => {
        if (!deps.topology.has(p.to)) throw RpcError.of('BAD_REQUEST', `to: unknown office "${p.to}"; known offices: ${deps.topology.officeIds().join(', ')}`)
        const begun = expect(await deps.propose({ kind: 'move.begin', user: p.user, to: p.to }, ctx.requestId, ctx.signal), 'move', ctx)
        return moveView(await this.drive(begun.move))
      })
      .method('directory.move', s['directory.move'], async (p, ctx) => {
        await deps.readBarrier(false, ctx)
        const move = (await readMove(deps.store, p.id)) ?? notFound(`id: move "${p.id}" does not exist in office ${deps.officeId}`)
        return moveView(move)
      })
      .method('directory.import', s['directory.import'], async (p, ctx) => {
        const command = { kind: 'move.import' as const, moveId: p.moveId, from: p.from, user: p.user, epoch: p.epoch, records: p.records }
        const result = await deps.propose(command, ctx.requestId, ctx.signal)
        if (result.kind === 'imported') return { imported: true as const }
        return { imported: false as const, reason: expect(result, 'refused', ctx).reason }
      })
  }

  start(): void {
    this.timer = setInterval(() => void this.pass(), this.deps.passIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
  }

  /** Where a person lives: this office's own people first, then what other offices published. */
  private async locate(id: string): Promise<UserLocation> {
    const { store, officeId } = this.deps
    const entry = await readEntry(store, id)
    if ((await readUser(store, id)) !== null) return { id, office: officeId, epoch: entry?.epoch ?? 1, movingTo: null, duplicateOf: (await readDuplicate(store, id))?.office ?? null }
    const moving = await moveInFlight(store, id)
    if (moving !== null) {
      const move = await readMove(store, moving)
      return { id, office: officeId, epoch: entry?.epoch ?? 1, movingTo: move?.to ?? null, duplicateOf: null }
    }
    return entry === null ? { id, office: null, epoch: 0, movingTo: null, duplicateOf: null } : { id, office: entry.office, epoch: entry.epoch, movingTo: null, duplicateOf: null }
  }

  /** One pass at a time, and only on the leader: publish the directory log, finish open moves. */
  private async pass(): Promise<void> {
    if (this.passing || this.deps.leaderTerm() === null) return
    this.passing = true
    try {
      for (const target of this.deps.topology.officeIds()) {
        if (target === this.deps.officeId) continue
        await this.publishTo(target).catch((error: Error) => {
          this.publishFailures += 1
          warnSampled(this.deps.logger, 'directory publication failed; the next pass retries', this.publishFailures, { target, error: error.message })
        })
      }
      for (const id of await openMoveIds(this.deps.store)) {
        const move = await readMove(this.deps.store, id)
        if (move !== null) await this.drive(move)
      }
    } catch (error) {
      this.deps.logger.warn('directory pass failed; the next one retries', { office: this.deps.officeId, error: (error as Error).message })
    } finally {
      this.passing = false
    }
  }

  /** Sends the entries `target` has not acknowledged yet, then records that it has them. */
  private async publishTo(target: string): Promise<void> {
    const { store, officeId } = this.deps
    const cursor = await readNumber(store, directoryKeys.cursor(target))
    const pairs = await store.range({ prefix: directoryKeys.logs(), gte: directoryKeys.log(cursor + 1), limit: PUBLISH_BATCH })
    const lastKey = pairs.at(-1)?.[0]
    if (lastKey === undefined) return
    const seq = Number(lastKey.slice(directoryKeys.logs().length))
    const entries = pairs.map(([, bytes]) => entryCodec.decode(bytes))
    await this.deps.office(target).call('directory.learn', { from: officeId, entries }, { requestId: `dir.${officeId}.${target}.${seq}`, timeoutMs: CALL_TIMEOUT_MS })
    await this.deps.propose({ kind: 'dir.published', target, seq }, `dir.published.${target}.${seq}`, AbortSignal.timeout(CALL_TIMEOUT_MS))
  }

  /** Moves once per move per process; later callers share the answer. */
  private drive(move: UserMove): Promise<UserMove> {
    if (move.state.kind !== 'exporting') return Promise.resolve(move)
    const running = this.driving.get(move.id)
    if (running !== undefined) return running
    const driven = this.importAndFinish(move, move.state.records).finally(() => this.driving.delete(move.id))
    this.driving.set(move.id, driven)
    return driven
  }

  /**
   * The destination writes the records or refuses; only then does the source settle the move. While
   * the destination cannot be reached the move stays open (the person's records wait in the move
   * record) and every pass asks again: giving up without an answer could leave the person in both
   * offices or in neither.
   */
  private async importAndFinish(move: UserMove, records: MovedRecords): Promise<UserMove> {
    let outcome: MoveOutcome
    try {
      const answer = await this.deps.office(move.to).call(
        'directory.import',
        { moveId: move.id, from: move.from, user: move.user, epoch: move.epoch, records: records.map(([key, value]) => [key, value] as [string, Uint8Array]) },
        { requestId: `${move.id}.import`, timeoutMs: CALL_TIMEOUT_MS },
      )
      outcome = answer.imported ? { kind: 'moved' } : { kind: 'aborted', reason: answer.reason }
    } catch (error) {
      // A refusal at the destination's boundary is definite (nothing was written there); anything else is not.
      if (!(error instanceof RpcError) || error.code !== 'BAD_REQUEST') return move
      outcome = { kind: 'aborted', reason: error.message }
    }
    const finished = await this.deps.propose({ kind: 'move.finish', moveId: move.id, outcome }, `${move.id}.finish`, AbortSignal.timeout(CALL_TIMEOUT_MS))
    return finished.kind === 'move' ? finished.move : move
  }
}

function expect<K extends DirectoryResult['kind']>(result: DirectoryResult, kind: K, ctx: RequestContext): Extract<DirectoryResult, { kind: K }> {
  if (result.kind !== kind) throw RpcError.of('INTERNAL', `${ctx.method}: unexpected ${result.kind} result`)
  return result as Extract<DirectoryResult, { kind: K }>
}

function notFound(message: string): never {
  throw RpcError.of('NOT_FOUND', message)
}
