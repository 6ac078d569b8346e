/**
 * Checks of the cross-office workload over evidence read after the cluster quiesced and the
 * liveness window passed: each transaction's coordinator record, each participant office's record,
 * every person's agenda and what the clients were told.
 *
 * - Atomicity: a transaction decided commit is in the agenda of every one of its required people,
 *   at the same times in all of them, and committed in every participant office; once cancelled it is
 *   in nobody's agenda (a cancel whose answer was lost: in everybody's or nobody's); one decided abort
 *   is in nobody's agenda and committed nowhere; a booking acknowledged as booked was committed, one
 *   answered "not booked" was not; nothing is still preparing, undelivered or holding time.
 * - Fencing: a participant that committed with a token other than the one in the coordinator's
 *   commit decision, or committed what the coordinator aborted, accepted a stale message.
 */
import type { CoordinatorTx } from '../../cross-office/xoffice-command.js'
import type { AgendaMeeting } from './booking-checks.js'
import type { CheckFindings } from './chaos-checks.js'

/** What a client was told about a cross-office booking it asked for. */
export type BookingAnswer = { readonly kind: 'booked'; readonly id: string } | { readonly kind: 'refused'; readonly txId: string }

/** What the checks read of a coordinator's record. */
export type CoordinatorView = Pick<CoordinatorTx, 'participants' | 'phase'>

/** What the checks read of a participant office's record. */
export interface ParticipantView {
  readonly state: { readonly kind: 'prepared' | 'committed' | 'aborted'; readonly token: number | null }
}

export interface OfficeLeftovers {
  readonly office: string
  readonly openTransactions: number
  readonly preparedHolds: number
  /** Messages the office fenced off, all kinds together (reported, not judged). */
  readonly fenced: number
}

export interface CrossOfficeEvidence {
  /** Every transaction looked up, with its coordinator's record (null: the coordinator office has none). */
  readonly transactions: ReadonlyMap<string, CoordinatorView | null>
  /** Per transaction, each participant office's record (null: that office never heard of it). */
  readonly participants: ReadonlyMap<string, ReadonlyMap<string, ParticipantView | null>>
  /** Final agendas of the workload's people (people whose agenda could not be read are absent). */
  readonly agendas: ReadonlyMap<string, readonly AgendaMeeting[]>
  readonly answers: readonly BookingAnswer[]
  /** Meetings the workload asked to cancel (whatever the answer): they may be gone from agendas. */
  readonly cancelled: ReadonlySet<string>
  /** Meetings whose cancellation was acknowledged: they must be gone from every agenda. */
  readonly cancelAcknowledged: ReadonlySet<string>
  /** Per office, what was still open after the liveness window. */
  readonly leftovers: readonly OfficeLeftovers[]
}

export function checkCrossOffice(evidence: CrossOfficeEvidence): CheckFindings {
  const problems: string[] = []
  let atomicityViolations = 0
  let staleTokenWritesAccepted = 0
  const atomicity = (problem: string) => {
    atomicityViolations++
    problems.push(problem)
  }
  const stale = (problem: string) => {
    staleTokenWritesAccepted++
    problems.push(problem)
  }
  /** Each person holding the meeting, with its occurrences' starts as one comparable string. */
  const holders = (id: string) =>
    new Map(
      [...evidence.agendas].flatMap(([person, meetings]) => {
        const starts = meetings.filter((meeting) => meeting.meetingId === id).map((meeting) => meeting.startMs)
        return starts.length === 0 ? [] : [[person, starts.sort((a, b) => a - b).join(',')] as const]
      }),
    )

  for (const [id, tx] of evidence.transactions) {
    if (tx === null) continue
    if (tx.phase.kind === 'preparing') {
      atomicity(`transaction ${id} is still undecided after the liveness window`)
      continue
    }
    const decision = tx.phase.decision
    if (!tx.phase.finished) atomicity(`transaction ${id} decided ${decision.kind} but its coordinator never finished delivering it`)
    const records = evidence.participants.get(id) ?? new Map<string, ParticipantView | null>()
    const holding = holders(id)
    for (const office of tx.participants) {
      const state = records.get(office.office)?.state
      if (decision.kind === 'commit') {
        const token = decision.tokens[office.office]
        if (state === undefined) atomicity(`transaction ${id} committed, but office ${office.office} has no record of it`)
        else if (state.kind === 'prepared') atomicity(`transaction ${id} committed, but office ${office.office} still holds it prepared (in doubt)`)
        else if (state.kind === 'aborted') atomicity(`transaction ${id} committed, but office ${office.office} aborted it`)
        else if (state.token !== token) stale(`office ${office.office} committed ${id} with token ${state.token}; the coordinator's decision carries ${token ?? 'none'}`)
        if (evidence.cancelled.has(id)) continue
        for (const person of office.required) {
          if (evidence.agendas.has(person) && !holding.has(person)) atomicity(`transaction ${id} committed, but ${person} (office ${office.office}) does not have it`)
        }
      } else {
        if (state?.kind === 'prepared') atomicity(`transaction ${id} aborted, but office ${office.office} still holds it prepared (in doubt)`)
        if (state?.kind === 'committed') {
          atomicity(`transaction ${id} aborted, but office ${office.office} committed it`)
          stale(`office ${office.office} accepted a commit of ${id}, which its coordinator aborted`)
        }
      }
    }
    if (decision.kind === 'abort') {
      for (const person of holding.keys()) atomicity(`transaction ${id} aborted, but ${person} has it in their agenda`)
      continue
    }
    if (evidence.cancelAcknowledged.has(id)) {
      for (const person of holding.keys()) atomicity(`meeting ${id} was cancelled, but ${person} still has it`)
    } else if (evidence.cancelled.has(id) && holding.size > 0) {
      const read = tx.participants.flatMap((office) => office.required).filter((person) => evidence.agendas.has(person))
      const missing = read.filter((person) => !holding.has(person))
      if (missing.length > 0) atomicity(`meeting ${id} is cancelled for ${missing.join(', ')} but not for ${[...holding.keys()].join(', ')}`)
    }
    if (new Set(holding.values()).size > 1) {
      atomicity(`meeting ${id} is at different times in different agendas: ${[...holding].map(([person, starts]) => `${person} at ${starts}`).join('; ')}`)
    }
  }

  for (const answer of evidence.answers) {
    const id = answer.kind === 'booked' ? answer.id : answer.txId
    const tx = evidence.transactions.get(id)
    if (tx === undefined) continue
    const committed = tx !== null && tx.phase.kind === 'decided' && tx.phase.decision.kind === 'commit'
    if (answer.kind === 'booked' && !committed) atomicity(`booking ${id} was acknowledged as booked, but its coordinator ${tx === null ? 'has no record of it' : 'did not commit it'}`)
    if (answer.kind === 'refused' && committed) atomicity(`booking ${id} was answered "not booked", but its coordinator committed it`)
  }

  for (const office of evidence.leftovers) {
    if (office.openTransactions > 0) atomicity(`office ${office.office} still has ${office.openTransactions} unfinished coordinator transaction(s) after the liveness window`)
    if (office.preparedHolds > 0) atomicity(`office ${office.office} still has ${office.preparedHolds} hold(s) in doubt after the liveness window`)
  }
  const fencingRejected = evidence.leftovers.reduce((total, office) => total + office.fenced, 0)
  return { atomicityViolations, staleTokenWritesAccepted, fencingRejected, problems }
}
