/** What every export needs besides its data. */
export interface ExportContext {
  /** A domain the deployment owns: UIDs are '<id>@<domain>', so they are unique worldwide. */
  readonly domain: string
  /** The clock for DTSTAMP, in epoch milliseconds (injected, so output is reproducible). */
  readonly now: () => number
  /** The calendar address (a URI) of a user; default 'mailto:<id>@<domain>'. */
  readonly userAddress?: (userId: string) => string
}

export const PRODUCT_ID = '-//DistributedMeetingScheduler//dms//EN'

export function addressOf(context: ExportContext, userId: string): string {
  return context.userAddress?.(userId) ?? `mailto:${userId}@${context.domain}`
}
