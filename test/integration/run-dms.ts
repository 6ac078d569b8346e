/** Runs the real `dms` CLI (through tsx) as a child process and collects what it printed. */
import { execFile } from 'node:child_process'
import { tsxLauncher } from './cluster-fixture.js'

export interface DmsRun {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/** `env` replaces the child's environment (default: this process's). */
export function runDms(args: readonly string[], timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): Promise<DmsRun> {
  return new Promise((resolve) => {
    execFile(tsxLauncher.command, [...tsxLauncher.args, ...args], { timeout: timeoutMs, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}
