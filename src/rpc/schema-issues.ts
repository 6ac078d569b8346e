/**
 * Turns a zod failure into one line that names the offending field, e.g.
 * `offices[1].replicas[0].port: expected an integer 1-65535`, for RPC errors and config errors.
 */
import type { z } from 'zod'

export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = ''
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`
    else out += out === '' ? String(key) : `.${String(key)}`
  }
  return out
}

/** `prefix` names the root (e.g. "params") so an issue at the root still names something. */
function describeIssues(error: z.ZodError, prefix: string, maxIssues = 3): string {
  const lines = error.issues.slice(0, maxIssues).map((issue) => {
    const path = formatIssuePath(issue.path)
    const where = prefix === '' ? path || '(root)' : path === '' ? prefix : path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`
    return `${where}: ${issue.message}`
  })
  const more = error.issues.length > maxIssues ? ` (and ${error.issues.length - maxIssues} more)` : ''
  return lines.join('; ') + more
}

/** Parse option that reports an absent field as missing rather than as "received undefined". */
const reportMissingFields = {
  error: (issue: { code?: string; input?: unknown }): string | undefined =>
    issue.code === 'invalid_type' && issue.input === undefined ? 'required field is missing' : undefined,
}

/**
 * Why `value` fails `schema`, field by field. Parsing with a custom error map is several times
 * slower in zod, so callers parse plainly first and only come here for the message.
 */
export function explainFailure(schema: z.ZodType, value: unknown, prefix: string, maxIssues = 3): string {
  const parsed = schema.safeParse(value, reportMissingFields)
  return parsed.success ? `${prefix || 'value'}: rejected` : describeIssues(parsed.error, prefix, maxIssues)
}
