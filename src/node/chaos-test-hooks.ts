/**
 * TEST-ONLY hooks through which the chaos harness (`dms chaos`) reaches inside a replica process.
 * They exist only when the environment variable DMS_CHAOS_HOOKS_DIR names a directory; `dms chaos`
 * sets it for the replicas it starts, and nothing else ever should. Each hook is a small file the
 * harness writes in that directory:
 *
 * - `<nodeId>.clock-offset-ms`: a number of milliseconds added to the replica's wall clock (the
 *   clock that stamps proposals and times hold leases): a clock jump, forward or back. Re-read every
 *   CLOCK_POLL_MS; a missing or unreadable file means no offset.
 * - `<nodeId>.after-decision`: `stop` or `exit`. The next time this replica, coordinating a
 *   cross-office transaction, has made its decision durable (and before it sends the decision to
 *   anyone), it takes the file (renames it away), writes `<nodeId>.after-decision.done`, and then
 *   stops itself (SIGSTOP: paused until the harness sends SIGCONT) or dies (SIGKILL). That puts a
 *   coordinator pause or crash exactly between the decision and the COMMIT messages. The harness
 *   disarms an unused hook by deleting the file: taking it by rename means exactly one side gets
 *   it, so a replica never stops itself after the harness gave up on the hook.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const CHAOS_HOOKS_ENV = 'DMS_CHAOS_HOOKS_DIR'
const CLOCK_POLL_MS = 100

export type AfterDecisionAction = 'stop' | 'exit'

/** The hook files of one replica, for the harness that writes them and the replica that reads them. */
export function chaosHookFiles(directory: string, nodeId: string): { clockOffset: string; afterDecision: string; afterDecisionDone: string } {
  const afterDecision = join(directory, `${nodeId}.after-decision`)
  return { clockOffset: join(directory, `${nodeId}.clock-offset-ms`), afterDecision, afterDecisionDone: `${afterDecision}.done` }
}

export interface ChaosTestHooks {
  /** Wall clock with the harness's offset applied. */
  readonly now: () => number
  /** Called by the coordinator once a decision is durable, before it is delivered. */
  readonly afterDecision: (txId: string) => void
}

/** The hooks when DMS_CHAOS_HOOKS_DIR is set, else null (a normal replica). */
export function chaosTestHooksFromEnvironment(nodeId: string, env: NodeJS.ProcessEnv = process.env, wallClock: () => number = Date.now): ChaosTestHooks | null {
  const directory = env[CHAOS_HOOKS_ENV]
  if (directory === undefined || directory === '') return null
  const files = chaosHookFiles(directory, nodeId)
  let offsetMs = 0
  const readOffset = () => {
    const value = Number(readOptional(files.clockOffset) ?? '0')
    offsetMs = Number.isFinite(value) ? value : 0
  }
  readOffset()
  setInterval(readOffset, CLOCK_POLL_MS).unref()
  return {
    now: () => wallClock() + offsetMs,
    afterDecision: (txId) => {
      const taken = `${files.afterDecision}.taken`
      try {
        renameSync(files.afterDecision, taken)
      } catch {
        return // not armed, or disarmed by the harness first
      }
      const action = readOptional(taken)?.trim()
      rmSync(taken, { force: true })
      if (action !== 'stop' && action !== 'exit') return
      writeFileSync(files.afterDecisionDone, `${action} ${txId}\n`)
      process.kill(process.pid, action === 'stop' ? 'SIGSTOP' : 'SIGKILL')
    },
  }
}

function readOptional(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}
