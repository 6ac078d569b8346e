/** Something in an imported file that the calendar could not keep, and where. */
export interface ImportWarning {
  /** 1-based line the warning is about (the first one, for a repeated kind); 0 for one about the calendar imported into, not the file. */
  readonly line: number
  /** Complete on its own: names the line and what was dropped or reinterpreted. */
  readonly message: string
}

/**
 * Collects an import's warnings. Things dropped over and over (every event's ATTENDEEs, every
 * VALARM) become one warning with a count, so a real calendar file gives a short list.
 */
export class ImportWarnings {
  readonly #single: ImportWarning[] = []
  readonly #repeated = new Map<string, { line: number; count: number }>()

  add(line: number, message: string): void {
    this.#single.push({ line, message: `line ${line}: ${message}` })
  }

  /** `what` is the whole message without place or count, e.g. 'ATTENDEE is not imported (...)'. */
  repeated(line: number, what: string): void {
    const seen = this.#repeated.get(what)
    if (seen === undefined) this.#repeated.set(what, { line, count: 1 })
    else seen.count++
  }

  list(): ImportWarning[] {
    const repeated = [...this.#repeated].map(([what, { line, count }]) => ({
      line,
      message: `line ${line}: ${what}${count > 1 ? ` (${count} times, first here)` : ''}`,
    }))
    return [...this.#single, ...repeated].sort((a, b) => a.line - b.line)
  }
}
