/**
 * The cross-office and notification checkers must bite: each is fed hand-made evidence with one
 * violation (a meeting committed in one office only, a hold left in doubt, a booking acknowledged
 * but aborted, a participant that accepted a stale token, a commit accepted against an abort, a
 * double booking across offices, an invitee never told of a cancellation) and must count it, while
 * the clean evidence passes.
 */
import t from 'tap'
import { checkBookings, type AgendaMeeting } from '../../../src/chaos/harness/booking-checks.js'
import { checksPass, combineFindings } from '../../../src/chaos/harness/chaos-checks.js'
import { checkCrossOffice, type CoordinatorView, type CrossOfficeEvidence, type ParticipantView } from '../../../src/chaos/harness/cross-office-checks.js'
import { checkNotifications } from '../../../src/chaos/harness/notification-checks.js'

const HOUR = 3_600_000
const at = (hour: number) => ({ startMs: hour * HOUR, endMs: (hour + 1) * HOUR })

const participants = [
  { office: 'nyc', required: ['nyc-x0'], optional: [] },
  { office: 'lon', required: ['lon-x0', 'lon-x1'], optional: [] },
]
const committed: CoordinatorView = {
  participants,
  phase: { kind: 'decided', decidedAtMs: 5, finished: true, decision: { kind: 'commit', tokens: { nyc: 3, lon: 7 }, leaseExpiresMs: 100, warnings: [] } },
}
const aborted: CoordinatorView = {
  participants,
  phase: { kind: 'decided', decidedAtMs: 5, finished: true, decision: { kind: 'abort', reason: 'lon-x1 is busy', conflicts: [] } },
}
const records = (nyc: ParticipantView['state'] | null, lon: ParticipantView['state'] | null) =>
  new Map([
    ['nyc', nyc === null ? null : { state: nyc }],
    ['lon', lon === null ? null : { state: lon }],
  ])
const everyoneHas = (id: string) =>
  new Map<string, AgendaMeeting[]>(['nyc-x0', 'lon-x0', 'lon-x1'].map((person) => [person, [{ meetingId: id, ...at(10) }]]))
const quiet = [
  { office: 'nyc', openTransactions: 0, preparedHolds: 0, fenced: 2 },
  { office: 'lon', openTransactions: 0, preparedHolds: 0, fenced: 1 },
]

const cleanCommit: CrossOfficeEvidence = {
  transactions: new Map([['mtg-nyc-1', committed]]),
  participants: new Map([['mtg-nyc-1', records({ kind: 'committed', token: 3 }, { kind: 'committed', token: 7 })]]),
  agendas: everyoneHas('mtg-nyc-1'),
  answers: [{ kind: 'booked', id: 'mtg-nyc-1' }],
  cancelled: new Set(),
  cancelAcknowledged: new Set(),
  leftovers: quiet,
}

t.test('a meeting committed in every office, and one aborted everywhere, pass', async (t) => {
  const findings = checkCrossOffice(cleanCommit)
  t.equal(findings.atomicityViolations, 0, JSON.stringify(findings.problems))
  t.equal(findings.staleTokenWritesAccepted, 0)
  t.equal(findings.fencingRejected, 3, 'fenced-off messages are summed over offices')
  const abortEverywhere = checkCrossOffice({
    ...cleanCommit,
    transactions: new Map([['mtg-nyc-2', aborted]]),
    participants: new Map([['mtg-nyc-2', records({ kind: 'aborted', token: 3 }, { kind: 'aborted', token: null })]]),
    agendas: new Map([['lon-x0', []]]),
    answers: [{ kind: 'refused', txId: 'mtg-nyc-2' }],
  })
  t.equal(abortEverywhere.atomicityViolations, 0, JSON.stringify(abortEverywhere.problems))
})

t.test('a meeting committed in one office but aborted in the other is an atomicity violation', async (t) => {
  const agendas = everyoneHas('mtg-nyc-1')
  agendas.set('lon-x1', [])
  const findings = checkCrossOffice({
    ...cleanCommit,
    participants: new Map([['mtg-nyc-1', records({ kind: 'committed', token: 3 }, { kind: 'aborted', token: 7 })]]),
    agendas,
  })
  t.equal(findings.atomicityViolations, 2, 'the office that aborted, and the person missing the meeting')
  t.match(findings.problems, [/office lon aborted it/, /lon-x1 \(office lon\) does not have it/])
})

t.test('an aborted meeting still in someone agenda, and a commit accepted against the abort, are caught', async (t) => {
  const findings = checkCrossOffice({
    ...cleanCommit,
    transactions: new Map([['mtg-nyc-2', aborted]]),
    participants: new Map([['mtg-nyc-2', records({ kind: 'aborted', token: 3 }, { kind: 'committed', token: 7 })]]),
    agendas: new Map([['lon-x0', [{ meetingId: 'mtg-nyc-2', ...at(10) }]]]),
    answers: [],
  })
  t.equal(findings.atomicityViolations, 2)
  t.equal(findings.staleTokenWritesAccepted, 1, 'the commit came from someone other than the coordinator that aborted')
})

t.test('a participant that committed with another token than the decision carries accepted a stale token', async (t) => {
  const findings = checkCrossOffice({
    ...cleanCommit,
    participants: new Map([['mtg-nyc-1', records({ kind: 'committed', token: 3 }, { kind: 'committed', token: 6 })]]),
  })
  t.equal(findings.staleTokenWritesAccepted, 1)
  t.equal(findings.atomicityViolations, 0)
  t.match(findings.problems, [/office lon committed mtg-nyc-1 with token 6; the coordinator's decision carries 7/])
})

t.test('holds and transactions left in doubt after the liveness window are violations', async (t) => {
  const findings = checkCrossOffice({
    ...cleanCommit,
    transactions: new Map([
      ['mtg-nyc-1', committed],
      ['mtg-nyc-3', { participants, phase: { kind: 'preparing' } }],
    ]),
    participants: new Map([['mtg-nyc-1', records({ kind: 'committed', token: 3 }, { kind: 'prepared', token: 7 })]]),
    leftovers: [{ office: 'lon', openTransactions: 0, preparedHolds: 1, fenced: 0 }],
  })
  t.equal(findings.atomicityViolations, 3, JSON.stringify(findings.problems))
  t.match(findings.problems, [/still holds it prepared/, /mtg-nyc-3 is still undecided/, /office lon still has 1 hold\(s\) in doubt/])
})

t.test('what the client was told must match the decision', async (t) => {
  const bookedButAborted = checkCrossOffice({
    ...cleanCommit,
    transactions: new Map([['mtg-nyc-2', aborted]]),
    participants: new Map([['mtg-nyc-2', records({ kind: 'aborted', token: 3 }, { kind: 'aborted', token: 7 })]]),
    agendas: new Map(),
    answers: [{ kind: 'booked', id: 'mtg-nyc-2' }],
  })
  t.equal(bookedButAborted.atomicityViolations, 1)
  const refusedButCommitted = checkCrossOffice({ ...cleanCommit, answers: [{ kind: 'refused', txId: 'mtg-nyc-1' }] })
  t.equal(refusedButCommitted.atomicityViolations, 1)
})

t.test('a cancellation must reach every office or none', async (t) => {
  const asked = { ...cleanCommit, cancelled: new Set(['mtg-nyc-1']) }
  t.equal(checkCrossOffice({ ...asked, agendas: new Map([['lon-x1', []]]) }).atomicityViolations, 0, 'gone for everyone read')
  t.equal(checkCrossOffice(asked).atomicityViolations, 0, 'an unanswered cancel may not have happened at all')
  const partly = everyoneHas('mtg-nyc-1')
  partly.set('lon-x1', [])
  const half = checkCrossOffice({ ...asked, agendas: partly })
  t.equal(half.atomicityViolations, 1)
  t.match(half.problems, [/cancelled for lon-x1 but not for nyc-x0, lon-x0/])
  const acknowledged = checkCrossOffice({ ...asked, cancelAcknowledged: new Set(['mtg-nyc-1']) })
  t.equal(acknowledged.atomicityViolations, 3, 'an acknowledged cancel left the meeting with all three')
})

t.test('a move applied in one office only leaves the meeting at different times', async (t) => {
  const agendas = everyoneHas('mtg-nyc-1')
  agendas.set('lon-x1', [{ meetingId: 'mtg-nyc-1', ...at(14) }])
  const findings = checkCrossOffice({ ...cleanCommit, agendas })
  t.equal(findings.atomicityViolations, 1)
  t.match(findings.problems, [/at different times/])
})

t.test('a double booking across offices is caught by the agenda check', async (t) => {
  const agendas = new Map([['lon-x0', [{ meetingId: 'mtg-nyc-1', ...at(10) }, { meetingId: 'mtg-lon-4', ...at(10) }]]])
  const findings = checkBookings(agendas, [{ id: 'mtg-nyc-1', participants: ['nyc-x0', 'lon-x0'] }])
  t.equal(findings.doubleBookings, 1)
})

t.test('an invitee never told of a cancellation is a missed notification', async (t) => {
  const owed = [
    { user: 'lon-x0', kind: 'cancelled' as const, meetingId: 'mtg-nyc-1' },
    { user: 'lon-x1', kind: 'cancelled' as const, meetingId: 'mtg-nyc-1' },
  ]
  const received = new Map([
    ['lon-x0', [{ kind: 'invited' as const, meetingId: 'mtg-nyc-1' }, { kind: 'cancelled' as const, meetingId: 'mtg-nyc-1' }]],
    ['lon-x1', [{ kind: 'invited' as const, meetingId: 'mtg-nyc-1' }]],
  ])
  const findings = checkNotifications(owed, received)
  t.equal(findings.missedNotifications, 1)
  t.match(findings.problems, [/lon-x1 was never notified "cancelled" of meeting mtg-nyc-1/])
  t.equal(checkNotifications(owed.slice(0, 1), received).missedNotifications, 0)
  t.equal(checkNotifications(owed, new Map()).missedNotifications, 0, 'people whose notifications were never read are not judged')
})

t.test('cross-office findings fail the run and mark their checks exercised', async (t) => {
  const combined = combineFindings([checkCrossOffice({ ...cleanCommit, agendas: new Map([['lon-x1', []]]) }), checkNotifications([], new Map())])
  t.same(combined.exercised, ['atomicityViolations', 'staleTokenWritesAccepted', 'missedNotifications'])
  t.equal(combined.checks.atomicityViolations, 1)
  t.equal(combined.fencingRejected, 3)
  t.equal(checksPass(combined.checks), false)
  t.equal(combineFindings([]).fencingRejected, null, 'no cross-office evidence: no fencing figure')
})
