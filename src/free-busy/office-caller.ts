/** How the free/busy fan-out reaches another office's Raft group: calls with timeouts. */
import type { ClusterClient } from '../client/cluster-client.js'
import type { OfficeMethods } from '../office/office-api.js'

export type OfficeCaller = Pick<ClusterClient<OfficeMethods>, 'call'>
