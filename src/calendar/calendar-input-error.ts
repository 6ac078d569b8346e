/**
 * The one error type for bad input anywhere in the calendar domain. `field` names the input
 * (a CLI flag such as `--tz`, or a path such as `event.start`) so callers can map it to their own
 * vocabulary; `message` is complete on its own: it names the input too and says what is wrong,
 * e.g. `--tz: unknown time zone "Mars/Base"`.
 */
export class CalendarInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message)
    this.name = 'CalendarInputError'
  }
}
