/**
 * The scheduler state of a replica process, for the report when a run does not quiesce: it tells
 * a stopped process (SIGSTOP never undone) from a running but unresponsive one; and for the
 * nemesis, which must know a replica that stops itself has really stopped before it may resume it.
 * Read from Linux's /proc; elsewhere, or for a process that is gone, it says so.
 */
import { readFile } from 'node:fs/promises'

const STATES: Readonly<Record<string, string>> = {
  R: 'running',
  S: 'sleeping',
  D: 'waiting on disk',
  T: 'stopped',
  t: 'stopped by a tracer',
  Z: 'zombie',
}

export async function describeProcessState(pid: number | null): Promise<string> {
  if (pid === null) return 'not running'
  const state = await processState(pid)
  return state === null ? `state unknown (no /proc entry), pid ${pid}` : `${STATES[state] ?? 'unknown'} (${state}), pid ${pid}`
}

/** Whether the process is stopped (T) now; false when that cannot be read. */
export async function isStopped(pid: number): Promise<boolean> {
  return (await processState(pid)) === 'T'
}

/**
 * Waits until the process shows as stopped (T), polling /proc; false if it did not within
 * `timeoutMs` (or its state cannot be read).
 */
export async function waitUntilStopped(pid: number, timeoutMs: number, pollMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const state = await processState(pid)
    if (state === 'T') return true
    if (state === null || Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}

/** The one-letter state of /proc/<pid>/stat, or null for a process that is gone or a system without /proc. */
async function processState(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces; the state follows it.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  } catch {
    return null
  }
}
