/** Adds a workload's people to their office before the run, tolerating retries of an add that went through. */
import type { ClusterClient } from '../../client/cluster-client.js'
import type { OfficeMethods } from '../../office/office-api.js'
import { RpcError } from '../../rpc/rpc-error.js'

const SETUP_ATTEMPTS = 10

export async function addWorkloadPeople(
  client: Pick<ClusterClient<OfficeMethods>, 'call'>,
  workload: string,
  office: string,
  timeZone: string,
  people: readonly string[],
): Promise<void> {
  for (const person of people) {
    for (let attempt = 1; ; attempt++) {
      try {
        await client.call('user.add', { id: person, office, tz: timeZone })
        break
      } catch (error) {
        // An earlier attempt that timed out may have added the person after all.
        if (error instanceof RpcError && error.code === 'BAD_REQUEST' && /already exists/.test(error.message)) break
        if (attempt === SETUP_ATTEMPTS) throw new Error(`${workload} workload: could not add ${person}: ${(error as Error).message}`)
      }
    }
  }
}
