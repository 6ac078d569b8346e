/**
 * The error for a request about a person this office does not hold: it says where the replicated
 * directory places them (details.office, so a client can route there), or that no office has them.
 */
import type { KeyspaceReader } from '../office/keyspace-transaction.js'
import { RpcError } from '../rpc/rpc-error.js'
import { readEntry } from './directory-store.js'

export async function userElsewhereError(store: KeyspaceReader, user: string, field: string, officeId: string): Promise<RpcError> {
  const entry = await readEntry(store, user)
  if (entry === null) return RpcError.of('NOT_FOUND', `${field}: no office has a user "${user}" (asked office ${officeId})`)
  return RpcError.of('NOT_FOUND', `${field}: user "${user}" is not in office ${officeId}; the directory places them in office ${entry.office}`, { office: entry.office })
}
