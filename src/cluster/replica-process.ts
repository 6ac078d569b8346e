/**
 * One `dms node` child process: started, stopped, killed, paused and resumed on command, with its
 * stderr relayed line by line under the replica's name. `cluster up` and the chaos harness both
 * drive replicas through this.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'

/** How to run `dms node` from the current installation (compiled JS or TypeScript through tsx). */
export interface NodeLauncher {
  readonly command: string
  readonly args: readonly string[]
}

export interface ReplicaProcessOptions {
  readonly nodeId: string
  readonly launcher: NodeLauncher
  readonly configPath: string
  readonly dataDir: string
  /** Receives each stderr line of the child; default: relayed to this process's stderr. */
  readonly onLine?: (nodeId: string, line: string) => void
  /** Called when the child exits on its own (not through stop()). */
  readonly onUnexpectedExit?: (nodeId: string, description: string) => void
  readonly extraArgs?: readonly string[]
}

export class ReplicaProcess {
  private child: ChildProcess | null = null
  private stopping = false
  private exited: Promise<void> = Promise.resolve()

  constructor(private readonly options: ReplicaProcessOptions) {}

  get nodeId(): string {
    return this.options.nodeId
  }

  get pid(): number | null {
    return this.child?.pid ?? null
  }

  get running(): boolean {
    return this.child !== null
  }

  start(): void {
    if (this.child !== null) throw new Error(`${this.nodeId} is already running (pid ${this.child.pid})`)
    const { launcher, configPath, dataDir, nodeId } = this.options
    const child = spawn(
      launcher.command,
      [...launcher.args, 'node', '--config', configPath, '--id', nodeId, '--data', dataDir, ...(this.options.extraArgs ?? [])],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    this.child = child
    this.stopping = false
    const onLine = this.options.onLine ?? ((id, line) => process.stderr.write(`[${id}] ${line}\n`))
    createInterface({ input: child.stderr! }).on('line', (line) => onLine(nodeId, line))
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) this.child = null
        if (!this.stopping) this.options.onUnexpectedExit?.(nodeId, signal === null ? `exit code ${code}` : `signal ${signal}`)
        resolve()
      })
    })
    child.once('error', (error) => onLine(nodeId, `failed to start: ${error.message}`))
  }

  /** SIGTERM, then SIGKILL if the replica has not exited after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    const child = this.child
    if (child === null) return
    this.stopping = true
    child.kill('SIGCONT')
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    await this.exited
    clearTimeout(timer)
  }

  /** SIGKILL: a crash, with no chance to flush anything. Resolves once the process is gone. */
  async kill(): Promise<void> {
    const child = this.child
    if (child === null) return
    this.stopping = true
    child.kill('SIGKILL')
    await this.exited
  }

  pause(): void {
    this.child?.kill('SIGSTOP')
  }

  resume(): void {
    this.child?.kill('SIGCONT')
  }
}

/** `dms` as this process was started: same interpreter flags (e.g. tsx's loader) and entry script. */
export function currentDmsLauncher(): NodeLauncher {
  const entry = process.argv[1]
  if (entry === undefined) throw new Error('cannot tell how dms was started (no entry script in process.argv)')
  return { command: process.execPath, args: [...process.execArgv, entry] }
}
