/**
 * Linearizability of each office's KV history (offices are separate stores, so separate
 * histories), through the repository's checker with a per-key budget. A key whose search runs out
 * of budget is "unknown": it is not proven, so `linearizable` is false, and `unknownKeys` tells it
 * apart from a key with a found violation.
 */
import { checkKvHistory } from '../linearizability/check-kv-history.js'
import type { KvHistoryOp } from '../linearizability/kv-history.js'
import type { CheckFindings } from './chaos-checks.js'

export interface LinearizabilityBudget {
  readonly perKeyTimeLimitMs: number
  readonly now: () => number
}

const VIOLATIONS_SHOWN = 5

export function checkOfficeHistories(histories: ReadonlyMap<string, readonly KvHistoryOp[]>, budget: LinearizabilityBudget): CheckFindings {
  let keys = 0
  let violatedKeys = 0
  let unknownKeys = 0
  const violations: string[] = []
  const problems: string[] = []
  for (const [office, history] of histories) {
    const report = checkKvHistory(history, { perKeyTimeLimitMs: budget.perKeyTimeLimitMs, now: budget.now })
    keys += report.perKey.length
    for (const verdict of report.perKey) {
      if (verdict.linearizable === 'unknown') {
        unknownKeys++
        problems.push(`office ${office}: key ${JSON.stringify(verdict.key)} not proven linearizable (${verdict.opCount} ops, search budget of ${verdict.exhausted} exhausted)`)
      }
    }
    violatedKeys += report.violations.length
    for (const violation of report.violations) {
      const message = `office ${office}: ${violation.message}`
      if (violations.length < VIOLATIONS_SHOWN) violations.push(message)
      problems.push(message)
    }
  }
  return {
    linearizable: violatedKeys === 0 && unknownKeys === 0,
    linearizability: { keys, violatedKeys, unknownKeys, violations },
    problems,
  }
}
