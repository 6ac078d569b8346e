/**
 * Recovery logic against two in-process office state machines (nyc coordinates, lon takes part),
 * with the RPC hops replaced by direct calls: a new coordinator leader presumes abort for an
 * undecided transaction and delivers it; a participant whose hold outlived its lease asks the
 * coordinator and applies the recorded outcome (abort, or commit with its token).
 */
import t, { type Test } from 'tap'
import { join } from 'node:path'
import { listHolds, readMeeting } from '../../src/calendar-service/calendar-store.js'
import type { MeetingSpec } from '../../src/calendar-service/calendar-command.js'
import { CrossOfficeCoordinator } from '../../src/cross-office/coordinator.js'
import { DEFAULT_CROSS_OFFICE_TIMING, type CrossOfficeCaller, type CrossOfficeDeps } from '../../src/cross-office/cross-office-deps.js'
import { HoldInquiry } from '../../src/cross-office/hold-inquiry.js'
import type { TxIntent, XofficeCommand, XofficeResult } from '../../src/cross-office/xoffice-command.js'
import { openTransactionIds, readCoordinatorTx, readParticipantTx } from '../../src/cross-office/xoffice-store.js'
import { encodeProposal } from '../../src/office/office-command.js'
import type { OfficeStateMachine } from '../../src/office/office-state-machine.js'
import { RpcError } from '../../src/rpc/rpc-error.js'
import { silentLogger } from '../../src/rpc/rpc-logger.js'
import { local, openCalendarMachine } from '../calendar-service/calendar-machine-fixture.js'

const T0 = Date.UTC(2026, 0, 5)
const LEASE = 10_000

/** One office: a state machine fed one entry per proposal, stamped with the shared clock. */
class FakeOffice {
  private index = 0
  term = 1
  constructor(
    readonly machine: OfficeStateMachine,
    private readonly clock: { now: number },
  ) {}

  async propose(command: XofficeCommand, requestId = `r-${this.index + 1}`): Promise<XofficeResult> {
    this.index += 1
    const data = encodeProposal({ requestId, command: { kind: 'xoffice', command }, atMs: this.clock.now })
    const [outcome] = await this.machine.apply([{ kind: 'command', term: this.term, index: this.index, data }])
    if (!outcome?.ok || outcome.result.kind !== 'xoffice') throw RpcError.of('BAD_REQUEST', JSON.stringify(outcome))
    return outcome.result.result
  }

  async addUser(id: string): Promise<void> {
    this.index += 1
    const data = encodeProposal({ requestId: `u-${id}`, command: { kind: 'calendar', command: { kind: 'user.add', user: { id, schedule: { zone: 'UTC' } } } }, atMs: this.clock.now })
    await this.machine.apply([{ kind: 'command', term: this.term, index: this.index, data }])
  }
}

const spec: MeetingSpec = { organizer: 'olga', required: ['lena'], optional: [], title: 'sync', zone: 'UTC', start: local('2026-03-18T10:00'), durationMinutes: 30, lines: [] }
const intent: TxIntent = { kind: 'book', meeting: spec, override: false, priority: 1 }

async function setup(t: Test) {
  const clock = { now: T0 }
  const nyc = new FakeOffice((await openCalendarMachine(t, join(t.testdir(), 'nyc'))).machine, clock)
  const lon = new FakeOffice((await openCalendarMachine(t, join(t.testdir(), 'lon'))).machine, clock)
  await nyc.addUser('olga')
  await lon.addUser('lena')
  const offices = new Map([['nyc', nyc], ['lon', lon]])
  let coordinator: CrossOfficeCoordinator | null = null
  // The RPC hop, reduced to what each method does on the receiving office's leader.
  const caller = (id: string): CrossOfficeCaller => ({
    call: (async (method: string, params: Record<string, unknown>) => {
      const office = offices.get(id)!
      switch (method) {
        case 'xoffice.decide': {
          const p = params as { txId: string; coordinatorTerm: number; decision: 'commit' | 'abort'; token: number | null }
          return office.propose({ kind: 'hold.decide', ...p })
        }
        case 'xoffice.outcome':
          return coordinator!.outcome(params['txId'] as string, params['office'] as string)
        default:
          throw RpcError.of('UNKNOWN_METHOD', method)
      }
    }) as CrossOfficeCaller['call'],
  })
  const deps = (office: FakeOffice, officeId: string): CrossOfficeDeps => ({
    officeId,
    offices: ['nyc', 'lon'],
    store: office.machine.store,
    propose: (command, requestId) => office.propose(command, requestId),
    leaderTerm: () => office.term,
    office: caller,
    timing: DEFAULT_CROSS_OFFICE_TIMING,
    now: () => clock.now,
    random: () => 0.5,
    logger: silentLogger,
  })
  coordinator = new CrossOfficeCoordinator(deps(nyc, 'nyc'))
  t.teardown(() => coordinator?.stop())
  const begin = async () => {
    const begun = await nyc.propose({ kind: 'tx.begin', intent, participants: [{ office: 'nyc', required: ['olga'], optional: [] }, { office: 'lon', required: ['lena'], optional: [] }], leaseMs: LEASE })
    if (begun.kind !== 'tx') throw new Error('expected a transaction')
    const txId = begun.tx.id
    const prepare = (office: FakeOffice, required: string[], officeId: string) =>
      office.propose({ kind: 'hold.prepare', txId, coordinatorOffice: 'nyc', coordinatorTerm: nyc.term, intent, local: { office: officeId, required, optional: [] }, leaseMs: LEASE })
    const votes = [await prepare(nyc, ['olga'], 'nyc'), await prepare(lon, ['lena'], 'lon')]
    return { txId, votes }
  }
  return { clock, nyc, lon, coordinator, begin, inquiry: new HoldInquiry(deps(lon, 'lon')) }
}

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`gave up waiting for ${what}`)
}

t.test('a new coordinator leader presumes abort for an undecided transaction and delivers it everywhere', async (t) => {
  const { nyc, lon, coordinator, begin, clock } = await setup(t)
  const { txId } = await begin()
  nyc.term = 2
  clock.now += 100
  await coordinator.recoveryPass()
  const tx = await readCoordinatorTx(nyc.machine.store, txId)
  t.match(tx?.phase, { kind: 'decided', decision: { kind: 'abort', reason: /leader changed before a decision \(presumed abort\)/ } })
  await eventually('the transaction to finish', async () => (await openTransactionIds(nyc.machine.store)).length === 0)
  t.match(await readParticipantTx(lon.machine.store, txId), { highestTerm: 2, state: { kind: 'aborted' } })
  t.same(await listHolds(lon.machine.store, 'lena'), [])
  t.same(await listHolds(nyc.machine.store, 'olga'), [])
})

t.test('a transaction begun in the current leadership is left to its driver until it is stuck', async (t) => {
  const { nyc, coordinator, begin, clock } = await setup(t)
  await coordinator.recoveryPass()
  clock.now += 50
  const { txId } = await begin()
  await coordinator.recoveryPass()
  t.match((await readCoordinatorTx(nyc.machine.store, txId))?.phase, { kind: 'preparing' }, 'fresh: not presumed abandoned')
  clock.now += DEFAULT_CROSS_OFFICE_TIMING.prepareTimeoutMs + LEASE + 1
  await coordinator.recoveryPass()
  t.match((await readCoordinatorTx(nyc.machine.store, txId))?.phase, { kind: 'decided', decision: { kind: 'abort' } }, 'stuck: aborted')
})

t.test('a participant hold past its lease asks the coordinator: undecided becomes abort, holds go', async (t) => {
  const { nyc, lon, begin, inquiry, clock } = await setup(t)
  const { txId } = await begin()
  await inquiry.pass()
  t.match(await readParticipantTx(lon.machine.store, txId), { state: { kind: 'prepared' } }, 'within the lease nothing is asked')
  clock.now += LEASE
  await inquiry.pass()
  await eventually('lon to apply the outcome', async () => (await readParticipantTx(lon.machine.store, txId))?.state.kind === 'aborted')
  t.match((await readCoordinatorTx(nyc.machine.store, txId))?.phase, { kind: 'decided', decision: { kind: 'abort', reason: /asked for the outcome/ } })
  t.same(await listHolds(lon.machine.store, 'lena'), [])
})

t.test('a participant hold past its lease learns a recorded commit and applies it with its token', async (t) => {
  const { nyc, lon, begin, inquiry, clock } = await setup(t)
  const { txId, votes } = await begin()
  const tokens: Record<string, number> = {}
  for (const [office, vote] of [['nyc', votes[0]], ['lon', votes[1]]] as const) {
    if (vote?.kind !== 'vote' || vote.vote.vote !== 'yes') throw new Error(`expected yes votes, got ${JSON.stringify(vote)}`)
    tokens[office] = vote.vote.token
  }
  await nyc.propose({ kind: 'tx.decide', txId, decision: { kind: 'commit', tokens, leaseExpiresMs: T0 + LEASE, warnings: [] } })
  clock.now += LEASE
  await inquiry.pass()
  await eventually('lon to apply the commit', async () => (await readParticipantTx(lon.machine.store, txId))?.state.kind === 'committed')
  t.match(await readMeeting(lon.machine.store, txId), { id: txId, organizer: 'olga', status: 'booked' })
  t.same(await listHolds(lon.machine.store, 'lena'), [])
})

t.test('displacement: an undecided lower-priority transaction is aborted naming the displacing meeting; equal priority or a decision stands', async (t) => {
  const { nyc, coordinator, begin } = await setup(t)
  const { txId } = await begin()
  await t.rejects(coordinator.displace(txId, 'lon', { txId: 'mtg-tok-3', title: 'peer', priority: 1 }), { code: 'CONFLICT', message: /cannot displace/ })
  t.match((await readCoordinatorTx(nyc.machine.store, txId))?.phase, { kind: 'preparing' }, 'an equal priority changes nothing')
  const outcome = await coordinator.displace(txId, 'lon', { txId: 'mtg-tok-3', title: 'urgent', priority: 5 })
  t.match(outcome, { txId, decision: 'abort', coordinatorTerm: 1, token: null })
  t.match((await readCoordinatorTx(nyc.machine.store, txId))?.phase, {
    kind: 'decided',
    decision: { kind: 'abort', reason: 'displaced by higher-priority meeting "urgent" (mtg-tok-3, priority 5 over 1)' },
  })
  await eventually('the abort to reach every office', async () => (await openTransactionIds(nyc.machine.store)).length === 0)
  const committed = await begin()
  const tokens: Record<string, number> = {}
  committed.votes.forEach((vote, i) => {
    if (vote.kind !== 'vote' || vote.vote.vote !== 'yes') throw new Error(`expected yes votes once the displaced holds are gone, got ${JSON.stringify(vote)}`)
    tokens[i === 0 ? 'nyc' : 'lon'] = vote.vote.token
  })
  await nyc.propose({ kind: 'tx.decide', txId: committed.txId, decision: { kind: 'commit', tokens, leaseExpiresMs: T0 + LEASE, warnings: [] } })
  t.match(await coordinator.displace(committed.txId, 'lon', { txId: 'mtg-tok-4', title: 'urgent', priority: 9 }), { decision: 'commit', token: tokens['lon'] }, 'a committed meeting keeps its time')
})
