/**
 * Progress of long commands (cluster boot, bench, chaos) on stderr, never on stdout. On a terminal
 * a live status line is rewritten in place and milestones stay as lines; when stderr is a file or
 * pipe only milestones are written (a log, not a redraw); with --json nothing at all.
 */
export interface ProgressReporter {
  /** A milestone: kept as its own line (unless --json). */
  note(text: string): void
  /** The current state, shown on a terminal's status line; overwritten by the next one. */
  update(text: string): void
  /** Clears the status line before the command prints its result. */
  done(): void
}

export interface ProgressTarget {
  readonly isTTY?: boolean
  write(text: string): unknown
}

const CLEAR_LINE = '\r\x1b[K'

export function progressReporter(prefix: string, options: { readonly json: boolean }, stream: ProgressTarget = process.stderr): ProgressReporter {
  if (options.json) return { note() {}, update() {}, done() {} }
  if (stream.isTTY !== true) return { note: (text) => stream.write(`${prefix}: ${text}\n`), update() {}, done() {} }
  let live = false
  const clear = (): void => {
    if (live) stream.write(CLEAR_LINE)
    live = false
  }
  return {
    note(text) {
      clear()
      stream.write(`${prefix}: ${text}\n`)
    },
    update(text) {
      stream.write(`${CLEAR_LINE}${prefix}: ${text}`)
      live = true
    },
    done: clear,
  }
}
