/**
 * Who may call which client method: one table, consulted at the RPC dispatch boundary before any
 * handler runs. A method missing from the table is refused to everyone but an open (auth-off)
 * caller, so a new method is closed until someone decides who may use it.
 *
 * Admins pass every rule (they can already write any key); the 2PC methods are otherwise for
 * replicas only. A user acts only as
 * themselves (`self`), changes only meetings they organize (`organizer`), sees a meeting only when
 * invited (`participant`), and sees anyone's free/busy, never their titles (`anyone` methods answer
 * without details).
 */
import { RpcError } from '../rpc/rpc-error.js'
import { describePrincipal, type Principal } from './principal.js'

export type AccessRule =
  /** Any authenticated caller. */
  | { readonly kind: 'anyone' }
  | { readonly kind: 'admin' }
  /** Replicas only (office-to-office two-phase commit). */
  | { readonly kind: 'peer' }
  /** The user named by `params[field]`, or an admin. */
  | { readonly kind: 'self'; readonly field: 'user' | 'organizer' }
  /** The organizer of meeting `params.id`, or an admin. */
  | { readonly kind: 'organizer' }
  /** The organizer or an invitee of meeting `params.id`, or an admin. */
  | { readonly kind: 'participant' }

const anyone: AccessRule = { kind: 'anyone' }
const admin: AccessRule = { kind: 'admin' }
const peer: AccessRule = { kind: 'peer' }
const selfUser: AccessRule = { kind: 'self', field: 'user' }
const selfOrganizer: AccessRule = { kind: 'self', field: 'organizer' }
const organizer: AccessRule = { kind: 'organizer' }
const participant: AccessRule = { kind: 'participant' }

export const ACCESS_POLICY: ReadonlyMap<string, AccessRule> = new Map<string, AccessRule>([
  ['kv.put', admin],
  ['kv.delete', admin],
  ['kv.cas', admin],
  ['kv.get', admin],
  ['kv.range', admin],
  ['replica.status', anyone],
  ['replica.membership', admin],
  ['replica.transferLeadership', admin],
  ['token.create', admin],
  ['token.revoke', admin],
  ['token.list', admin],
  ['token.entries', peer],
  ['user.add', admin],
  ['user.update', admin],
  ['user.get', anyone],
  ['user.list', anyone],
  ['event.add', selfUser],
  ['event.import', selfUser],
  ['event.update', selfUser],
  ['event.delete', selfUser],
  ['event.list', selfUser],
  ['calendar.agenda', selfUser],
  ['notifications.poll', selfUser],
  ['calendar.freeBusy', anyone],
  ['calendar.suggest', anyone],
  ['calendar.conflicts', selfOrganizer],
  ['calendar.availability', anyone],
  ['calendar.changes', peer],
  ['calendar.freeBusyStats', admin],
  ['meeting.book', selfOrganizer],
  ['meeting.update', organizer],
  ['meeting.cancel', organizer],
  ['meeting.respond', selfUser],
  ['meeting.get', participant],
  ['xoffice.book', selfOrganizer],
  ['xoffice.locate', anyone],
  ['xoffice.prepare', peer],
  ['xoffice.decide', peer],
  ['xoffice.outcome', peer],
  ['xoffice.transaction', peer],
  ['xoffice.participant', peer],
  ['xoffice.displace', peer],
  ['xoffice.cancel', organizer],
  ['xoffice.move', organizer],
  ['xoffice.respond', selfUser],
  ['xoffice.recordResponse', peer],
  ['xoffice.stats', admin],
  ['directory.lookup', anyone],
  ['directory.offices', anyone],
  ['directory.learn', peer],
  ['directory.addOffice', admin],
  ['directory.moveUser', admin],
  ['directory.move', admin],
  ['directory.import', peer],
])

/** The people a meeting concerns; null when there is no such meeting (the handler says not found). */
export type MeetingParties = (meetingId: string) => Promise<{ readonly organizer: string; readonly invitees: readonly string[] } | null>

/** null when `principal` may call `method` with `params`; else the refusal, naming both. */
export function authorize(principal: Principal, method: string, params: unknown, meetings: MeetingParties): RpcError | null | Promise<RpcError | null> {
  if (principal.kind === 'open') return null
  if (principal.kind === 'anonymous') return unauthenticated(principal, method)
  const rule = ACCESS_POLICY.get(method)
  if (rule === undefined) return forbidden(method, principal, 'no access rule allows this method')
  if (principal.kind === 'scraper') return forbidden(method, principal, 'a metrics token may only read /metrics')
  if (rule.kind === 'anyone' || principal.kind === 'admin') return null
  switch (rule.kind) {
    case 'peer':
      return principal.kind === 'peer' ? null : forbidden(method, principal, 'only replicas of this cluster may call it')
    case 'admin':
      return forbidden(method, principal, 'only an admin may call it')
  }
  if (principal.kind !== 'user') return forbidden(method, principal, 'only a user or an admin may call it')
  switch (rule.kind) {
    case 'self': {
      const named = field(params, rule.field)
      return named === principal.userId ? null : forbidden(method, principal, `it acts for ${rule.field} "${named ?? '?'}", and a user may act only as themselves`)
    }
    case 'organizer':
    case 'participant':
      return meetingAccess(method, principal, rule.kind, field(params, 'id'), meetings)
  }
}

/** The refusal of a caller whose credential proved nothing (null for anyone else), naming the method. */
export function unauthenticated(principal: Principal, method: string): RpcError | null {
  return principal.kind === 'anonymous' ? RpcError.of('UNAUTHENTICATED', `${method}: ${principal.reason}`, { method }) : null
}

async function meetingAccess(
  method: string,
  principal: Extract<Principal, { kind: 'user' }>,
  need: 'organizer' | 'participant',
  meetingId: string | undefined,
  meetings: MeetingParties,
): Promise<RpcError | null> {
  const parties = meetingId === undefined ? null : await meetings(meetingId)
  if (parties === null) return null
  if (parties.organizer === principal.userId) return null
  if (need === 'participant' && parties.invitees.includes(principal.userId)) return null
  const who = need === 'organizer' ? 'its organizer' : 'its organizer or an invitee'
  return forbidden(method, principal, `meeting "${meetingId}" may be ${need === 'organizer' ? 'changed' : 'seen'} only by ${who}`)
}

function field(params: unknown, name: string): string | undefined {
  if (typeof params !== 'object' || params === null) return undefined
  const value = (params as Record<string, unknown>)[name]
  return typeof value === 'string' ? value : undefined
}

function forbidden(method: string, principal: Principal, why: string): RpcError {
  return RpcError.of('FORBIDDEN', `${method}: ${describePrincipal(principal)} may not call it: ${why}`, { method, principal: describePrincipal(principal) })
}
