/**
 * Raft's election safety as seen from outside: at most one replica of an office may ever claim
 * leadership in a given term. Evidence comes from status samples taken during the run, so a
 * second leader that lived between two samples can be missed; one that was seen is never excused.
 */
import type { CheckFindings } from './chaos-checks.js'
import type { LeaderObservation } from './status-sampler.js'

export function checkLeaderUniqueness(observations: readonly LeaderObservation[]): CheckFindings {
  const leaders = new Map<string, Set<string>>()
  for (const observation of observations) {
    const key = `${observation.office}/${observation.term}`
    const nodes = leaders.get(key) ?? new Set<string>()
    nodes.add(observation.node)
    leaders.set(key, nodes)
  }
  const problems = [...leaders]
    .filter(([, nodes]) => nodes.size > 1)
    .map(([key, nodes]) => {
      const [office, term] = key.split('/')
      return `office ${office}: term ${term} had ${nodes.size} leaders (${[...nodes].sort().join(', ')})`
    })
  return { multipleLeadersInATerm: problems.length, problems }
}
