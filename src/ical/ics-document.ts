import ICAL from 'ical.js'
import { CalendarInputError } from '../calendar/calendar-input-error.js'

/** One content line, parsed by ical.js, with where it came from for error messages. */
export interface IcsProperty {
  /** Upper-case property name, e.g. 'DTSTART'. */
  readonly name: string
  /** 1-based number of the (first physical) line it was written on. */
  readonly line: number
  /** The unfolded line as written, e.g. 'DTSTART;TZID=Europe/Paris:20260301T090000'. */
  readonly text: string
  readonly property: ICAL.Property
}

export interface IcsComponent {
  /** Upper-case component name, e.g. 'VEVENT'. */
  readonly name: string
  /** Line of its BEGIN. */
  readonly line: number
  readonly properties: readonly IcsProperty[]
  readonly components: readonly IcsComponent[]
}

export interface IcsLimits {
  /** Longest accepted text, in UTF-16 code units (close to bytes for calendar data). */
  readonly maxChars: number
  /** Most components (BEGIN lines) accepted in one file. */
  readonly maxComponents: number
}

interface OpenComponent {
  readonly name: string
  readonly line: number
  readonly properties: IcsProperty[]
  readonly components: IcsComponent[]
}

const FIELD = 'ics'

/**
 * Reads iCalendar text into its VCALENDAR components. The structure (unfolding, BEGIN/END
 * nesting, limits) is checked here line by line, so every error names its line; each content
 * line is then parsed by ical.js (parameters, quoting, escapes, value types). Runs in time linear
 * in the input and refuses oversized input before looking at it.
 */
export function readIcsDocument(text: string, limits: IcsLimits): IcsComponent[] {
  if (text.length > limits.maxChars) {
    throw new CalendarInputError(FIELD, `${FIELD}: the file has ${text.length} characters, more than the limit of ${limits.maxChars}`)
  }
  const calendars: IcsComponent[] = []
  const open: OpenComponent[] = []
  let componentCount = 0
  for (const { text: line, number } of unfoldedLines(text)) {
    const fail = (what: string): never => {
      throw new CalendarInputError(FIELD, `${FIELD}: line ${number}: ${what}`)
    }
    const begin = /^BEGIN:(.*)$/i.exec(line)
    const end = /^END:(.*)$/i.exec(line)
    const current = open[open.length - 1]
    if (begin !== null) {
      const name = (begin[1] ?? '').trim().toUpperCase()
      if (name.length === 0) fail('BEGIN without a component name')
      if (current === undefined && name !== 'VCALENDAR') fail(`BEGIN:${name} outside a VCALENDAR`)
      if (++componentCount > limits.maxComponents) {
        fail(`more than ${limits.maxComponents} components (BEGIN lines); split the file`)
      }
      open.push({ name, line: number, properties: [], components: [] })
    } else if (end !== null) {
      const name = (end[1] ?? '').trim().toUpperCase()
      if (current === undefined) fail(`END:${name} without a matching BEGIN`)
      else if (current.name !== name) fail(`END:${name} where END:${current.name} (begun on line ${current.line}) was expected`)
      else {
        open.pop()
        const done: IcsComponent = current
        const parent = open[open.length - 1]
        if (parent === undefined) calendars.push(done)
        else parent.components.push(done)
      }
    } else if (current === undefined) {
      fail(`"${shorten(line)}" outside BEGIN:VCALENDAR ... END:VCALENDAR`)
    } else {
      current.properties.push(parseProperty(line, number))
    }
  }
  const unclosed = open[open.length - 1]
  if (unclosed !== undefined) {
    throw new CalendarInputError(FIELD, `${FIELD}: BEGIN:${unclosed.name} on line ${unclosed.line} has no END:${unclosed.name}`)
  }
  if (calendars.length === 0) throw new CalendarInputError(FIELD, `${FIELD}: no BEGIN:VCALENDAR found; this is not an iCalendar file`)
  return calendars
}

/** Logical lines: CRLF or bare LF ends a line, and a line starting with a space or tab continues the previous one. */
function* unfoldedLines(text: string): Generator<{ text: string; number: number }> {
  const physical = text.split(/\r?\n|\r/)
  let pending: { text: string; number: number } | null = null
  for (let i = 0; i < physical.length; i++) {
    const line = physical[i] ?? ''
    if ((line.startsWith(' ') || line.startsWith('\t')) && pending !== null) {
      pending.text += line.slice(1)
      continue
    }
    if (pending !== null) yield pending
    pending = line.trim().length === 0 ? null : { text: line, number: i + 1 }
  }
  if (pending !== null) yield pending
}

function parseProperty(line: string, number: number): IcsProperty {
  let jcal: unknown
  try {
    jcal = ICAL.parse.property(line)
  } catch (error) {
    throw new CalendarInputError(FIELD, `${FIELD}: line ${number}: "${shorten(line)}" is not a valid content line (${describe(error)})`)
  }
  const property = new ICAL.Property(jcal as unknown[])
  return { name: property.name.toUpperCase(), line: number, text: line, property }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function shorten(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text
}
