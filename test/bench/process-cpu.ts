/**
 * CPU time (user + system) of the processes whose command line contains a marker (a cluster's
 * temporary directory), read from /proc: how the bench charges each side's servers for their work.
 * Linux only; elsewhere it reports null and the bench prints no CPU column.
 */
import { readdir, readFile } from 'node:fs/promises'

/** Kernel clock ticks per second for /proc/<pid>/stat times; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100

export async function cpuMsOfProcessesMatching(marker: string): Promise<number | null> {
  let pids: string[]
  try {
    pids = (await readdir('/proc')).filter((name) => /^\d+$/.test(name))
  } catch {
    return null
  }
  let ticks = 0
  for (const pid of pids) {
    try {
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'latin1')
      if (!cmdline.includes(marker)) continue
      const stat = await readFile(`/proc/${pid}/stat`, 'latin1')
      // Fields after the parenthesized command name; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      ticks += Number(fields[11]) + Number(fields[12])
    } catch {
      // The process ended between listing and reading: it no longer uses CPU.
    }
  }
  return (ticks * 1000) / TICKS_PER_SECOND
}
