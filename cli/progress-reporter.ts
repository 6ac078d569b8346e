/**
 * Progress of long commands (cluster boot, bench, chaos) on stderr, never on stdout. On a terminal
 * a live status line is rewritten in place and milestones stay as lines; when stderr is a file or
 * pipe only milestones are written (a log, not a redraw); with --json nothing at all. Other lines
 * on the same stderr (a replica's log) go through `line`, so they never land on the status line.
 */
export interface ProgressReporter {
  /** A milestone: kept as its own line (unless --json). */
  note(text: string): void
  /** The current state, shown on a terminal's status line; overwritten by the next one. */
  update(text: string): void
  /** A line that is not progress (a child's log line): always written, above the status line. */
  line(text: string): void
  /** Clears the status line before the command prints its result. */
  done(): void
}

export interface ProgressTarget {
  readonly isTTY?: boolean
  write(text: string): unknown
}

const CLEAR_LINE = '\r\x1b[K'

export function progressReporter(prefix: string, options: { readonly json: boolean }, stream: ProgressTarget = process.stderr): ProgressReporter {
  const line = (text: string): void => void stream.write(`${text}\n`)
  if (options.json) return { note() {}, update() {}, line, done() {} }
  if (stream.isTTY !== true) return { note: (text) => line(`${prefix}: ${text}`), update() {}, line, done() {} }
  let status: string | null = null
  const clear = (): void => {
    if (status !== null) stream.write(CLEAR_LINE)
  }
  const above = (text: string): void => {
    clear()
    line(text)
    if (status !== null) stream.write(status)
  }
  return {
    note: (text) => above(`${prefix}: ${text}`),
    update(text) {
      status = `${prefix}: ${text}`
      stream.write(`${CLEAR_LINE}${status}`)
    },
    line: above,
    done() {
      clear()
      status = null
    },
  }
}
