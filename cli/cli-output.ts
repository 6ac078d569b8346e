/**
 * How commands print: with --json, exactly one JSON document on stdout; otherwise the readable
 * form. Progress and logs never go to stdout.
 */
export function printResult<T>(json: boolean, value: T, readable: (value: T) => string): void {
  process.stdout.write(json ? JSON.stringify(value) + '\n' : readable(value) + '\n')
}

/** Left-aligned columns for readable tables. */
export function formatTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}
