/**
 * Addresses of replicas that joined an office after it was bootstrapped. A membership change that
 * adds a replica carries its address in the Raft entry's context; applying the entry records it in
 * the replicated keyspace, so every replica (and every snapshot) knows where new members listen,
 * even when their own config file predates the change.
 */
import { Packr } from 'msgpackr'
import type { ConfChange } from '../../raft/types.js'
import type { StateMachineStore } from '../../storage/state-machine-store.js'
import type { KeyspaceTransaction } from './keyspace-transaction.js'

export interface MemberAddress {
  readonly host: string
  readonly port: number
}

const MEMBER_PREFIX = 'member/'
/** Nodes removed from the office: kept in the keyspace (and so in snapshots) so a replica restarted after the removal entry was compacted away still refuses them. */
const REMOVED_PREFIX = 'removed-member/'
const packr = new Packr({ useRecords: false })

export function encodeMemberAddress(address: MemberAddress): Uint8Array {
  return packr.pack({ host: address.host, port: address.port })
}

function decodeMemberAddress(bytes: Uint8Array): MemberAddress | null {
  try {
    const value = packr.unpack(bytes) as Partial<MemberAddress> | null
    if (value === null || typeof value !== 'object') return null
    const { host, port } = value
    if (typeof host !== 'string' || host.length === 0 || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return null
    return { host, port }
  } catch {
    return null
  }
}

export function applyMembershipChange(tx: KeyspaceTransaction, change: ConfChange): void {
  switch (change.type) {
    case 'addLearner':
    case 'addVoter': {
      // An address that does not decode is left out: the replica's config file may still name it.
      const address = change.context === undefined ? null : decodeMemberAddress(change.context)
      if (address !== null) tx.put(MEMBER_PREFIX + change.node, encodeMemberAddress(address))
      tx.del(REMOVED_PREFIX + change.node)
      return
    }
    case 'removeNode':
      tx.del(MEMBER_PREFIX + change.node)
      tx.put(REMOVED_PREFIX + change.node, new Uint8Array(0))
      return
    case 'promoteLearner':
      return
  }
}

/** Whether a keyspace key holds a member's address (its writes change where peers are dialled). */
export function isMemberAddressKey(key: string): boolean {
  return key.startsWith(MEMBER_PREFIX)
}

export async function readMemberAddresses(store: StateMachineStore): Promise<Map<string, MemberAddress>> {
  const members = new Map<string, MemberAddress>()
  for (const [key, bytes] of await store.range({ prefix: MEMBER_PREFIX })) {
    const address = decodeMemberAddress(bytes)
    if (address !== null) members.set(key.slice(MEMBER_PREFIX.length), address)
  }
  return members
}

export async function readRemovedMembers(store: StateMachineStore): Promise<Set<string>> {
  return new Set((await store.range({ prefix: REMOVED_PREFIX })).map(([key]) => key.slice(REMOVED_PREFIX.length)))
}
