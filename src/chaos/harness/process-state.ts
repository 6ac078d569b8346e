/**
 * The scheduler state of a replica process, for the report when a run does not quiesce: it tells
 * a stopped process (SIGSTOP never undone) from a running but unresponsive one. Read from Linux's
 * /proc; elsewhere, or for a process that is gone, it says so.
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
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) is in parentheses and may hold spaces; the state follows it.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return `${STATES[state] ?? 'unknown'} (${state}), pid ${pid}`
  } catch {
    return `state unknown (no /proc entry), pid ${pid}`
  }
}
