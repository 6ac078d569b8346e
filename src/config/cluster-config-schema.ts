/**
 * What a cluster config file may say, as a zod schema: the cluster, its offices (one Raft group
 * each, with the office's zone and working time) and their replicas, Raft timing, optional
 * inter-office delays, and security settings. Checks across fields (unique ids and addresses,
 * lunch inside working hours, delay pairs naming real offices) are part of the schema, so every
 * error carries the path of the field at fault.
 */
import { DateTime, IANAZone } from 'luxon'
import { z } from 'zod'

export const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'] as const

const officeId = z
  .string({ error: 'expected an office id (string)' })
  .regex(/^[a-z][a-z0-9]{0,15}$/, { error: 'expected an office id: 1-16 lowercase letters or digits, starting with a letter' })

const nodeId = z
  .string({ error: 'expected a replica id (string)' })
  .regex(/^[a-z][a-z0-9-]{0,63}$/, { error: 'expected a replica id: 1-64 lowercase letters, digits or "-", starting with a letter' })

const timeOfDay = z
  .string({ error: 'expected a time of day "HH:MM"' })
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a time of day "HH:MM" between 00:00 and 23:59' })

const timeRange = z
  .strictObject({ start: timeOfDay, end: timeOfDay })
  .refine((range) => range.start < range.end, { error: 'expected end after start (ranges do not cross midnight)', path: ['end'] })

const timeZone = z
  .string({ error: 'expected an IANA time zone name' })
  .refine((zone) => IANAZone.isValidZone(zone), { error: (issue) => `expected an IANA time zone such as "Europe/London", got ${JSON.stringify(issue.input)}` })

const calendarDate = z
  .string({ error: 'expected a date "YYYY-MM-DD"' })
  .refine((date) => /^\d{4}-\d{2}-\d{2}$/.test(date) && DateTime.fromISO(date).isValid, { error: 'expected a real date "YYYY-MM-DD"' })

const port = z
  .int({ error: 'expected an integer 1-65535' })
  .min(1, { error: 'expected an integer 1-65535' })
  .max(65535, { error: 'expected an integer 1-65535' })

const replicaSchema = z.strictObject({
  id: nodeId,
  host: z.string({ error: 'expected a host name or IP address' }).min(1, { error: 'expected a non-empty host' }).max(253),
  port,
})

export const officeSchema = z
  .strictObject({
    id: officeId,
    name: z.string({ error: 'expected the office name' }).min(1, { error: 'expected a non-empty office name' }).max(100),
    timeZone,
    workHours: timeRange,
    workDays: z
      .array(z.enum(WEEKDAYS, { error: `expected a weekday, one of ${WEEKDAYS.join(', ')}` }))
      .min(1, { error: 'expected at least one working day' })
      .refine((days) => new Set(days).size === days.length, { error: 'expected each weekday at most once' }),
    lunch: timeRange,
    holidays: z.array(z.strictObject({ date: calendarDate, name: z.string().min(1).max(100) })).default([]),
    replicas: z.array(replicaSchema).min(1, { error: 'expected at least one replica' }).max(9, { error: 'expected at most 9 replicas' }),
  })
  .superRefine((office, ctx) => {
    const { lunch, workHours } = office
    if (lunch.start < workHours.start || lunch.end > workHours.end) {
      ctx.addIssue({ code: 'custom', path: ['lunch'], message: `expected lunch within working hours ${workHours.start}-${workHours.end}` })
    }
    const dates = office.holidays.map((holiday) => holiday.date)
    dates.forEach((date, i) => {
      if (dates.indexOf(date) !== i) ctx.addIssue({ code: 'custom', path: ['holidays', i, 'date'], message: `duplicate holiday ${date}` })
    })
  })

const timingSchema = z
  .strictObject({
    /** Milliseconds per Raft tick. */
    tickMs: z.int().min(1).max(10_000).default(50),
    /** Election timeout is drawn from [electionTicks, 2 * electionTicks) ticks. */
    electionTicks: z.int().min(2).max(1000).default(10),
    heartbeatTicks: z.int().min(1).max(1000).default(2),
  })
  .refine((timing) => timing.heartbeatTicks < timing.electionTicks, { error: 'expected heartbeatTicks below electionTicks', path: ['heartbeatTicks'] })

/** Keys are "a-b" office pairs; the delay applies in both directions. */
const interOfficeDelaysSchema = z.strictObject({
  enabled: z.boolean().default(false),
  oneWayMs: z.record(z.string(), z.int().min(0, { error: 'expected a delay of 0-10000 ms' }).max(10_000, { error: 'expected a delay of 0-10000 ms' })),
})

const securitySchema = z.strictObject({
  /** wss:// with these PEM files; null serves plain ws://. */
  tls: z.strictObject({ certFile: z.string().min(1), keyFile: z.string().min(1), caFile: z.string().min(1).optional() }).nullable().default(null),
  /** File holding the cluster secret peers authenticate with; null while peer authentication is off. */
  peerSecretFile: z.string().min(1).nullable().default(null),
  /** Plain ws:// to a non-loopback host is refused unless this is set. */
  allowNonLoopback: z.boolean().default(false),
  /** Clients must present a token (docs/SECURITY.md); needs the cluster secret, from peerSecretFile or DMS_CLUSTER_SECRET. */
  clientAuth: z.boolean().default(false),
})

export const clusterConfigSchema = z
  .strictObject({
    clusterId: z
      .string({ error: 'expected a cluster id (string)' })
      .regex(/^[a-z][a-z0-9-]{0,63}$/, { error: 'expected a cluster id: 1-64 lowercase letters, digits or "-", starting with a letter' }),
    timing: timingSchema.default({ tickMs: 50, electionTicks: 10, heartbeatTicks: 2 }),
    interOfficeDelays: interOfficeDelaysSchema.default({ enabled: false, oneWayMs: {} }),
    security: securitySchema.default({ tls: null, peerSecretFile: null, allowNonLoopback: false, clientAuth: false }),
    offices: z.array(officeSchema).min(1, { error: 'expected at least one office' }),
  })
  .superRefine((config, ctx) => {
    const offices = new Map<string, number>()
    const replicas = new Map<string, string>()
    const addresses = new Map<string, string>()
    config.offices.forEach((office, i) => {
      const seen = offices.get(office.id)
      if (seen !== undefined) ctx.addIssue({ code: 'custom', path: ['offices', i, 'id'], message: `duplicate office id "${office.id}" (also offices[${seen}])` })
      else offices.set(office.id, i)
      office.replicas.forEach((replica, j) => {
        const path = `offices[${i}].replicas[${j}]`
        const sameId = replicas.get(replica.id)
        if (sameId !== undefined) ctx.addIssue({ code: 'custom', path: ['offices', i, 'replicas', j, 'id'], message: `duplicate replica id "${replica.id}" (also ${sameId})` })
        else replicas.set(replica.id, path)
        const address = `${canonicalHost(replica.host)}:${replica.port}`
        const sameAddress = addresses.get(address)
        if (sameAddress !== undefined) ctx.addIssue({ code: 'custom', path: ['offices', i, 'replicas', j, 'port'], message: `duplicate address ${address} (also ${sameAddress})` })
        else addresses.set(address, path)
      })
    })
    const pairs = new Set<string>()
    for (const key of Object.keys(config.interOfficeDelays.oneWayMs)) {
      const path = ['interOfficeDelays', 'oneWayMs', key]
      const [a, b, ...rest] = key.split('-')
      if (a === undefined || b === undefined || rest.length > 0 || a === b) {
        ctx.addIssue({ code: 'custom', path, message: 'expected a pair of two different office ids, like "nyc-lon"' })
        continue
      }
      for (const office of [a, b]) {
        if (!offices.has(office)) ctx.addIssue({ code: 'custom', path, message: `unknown office "${office}"` })
      }
      const pair = [a, b].sort().join('-')
      if (pairs.has(pair)) ctx.addIssue({ code: 'custom', path, message: `the delay between ${a} and ${b} is given twice` })
      pairs.add(pair)
    }
  })

export type ClusterConfig = z.output<typeof clusterConfigSchema>
export type OfficeConfig = ClusterConfig['offices'][number]
export type ReplicaConfig = OfficeConfig['replicas'][number]
export type Weekday = (typeof WEEKDAYS)[number]

const LOOPBACK_NAMES = new Set(['localhost', '::1', '[::1]'])

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

/** "localhost" and 127.0.0.1 are the same listener as far as port clashes go. */
function canonicalHost(host: string): string {
  const lower = host.toLowerCase()
  if (lower === 'localhost') return '127.0.0.1'
  return lower === '[::1]' ? '::1' : lower
}
