import { ClusterClient } from '../client/cluster-client.js'
import type { OfficeMethods } from '../office/office-api.js'
import type { KvBenchTarget } from './kv-bench-target.js'

/** Drives one office's Raft KV through the project's own client library. */
export function connectDmsTarget(endpoints: readonly string[]): KvBenchTarget {
  const client = new ClusterClient<OfficeMethods>({ endpoints, callTimeoutMs: 10_000 })
  return {
    name: 'dms',
    async put(key, value) {
      await client.call('kv.put', { key, value })
    },
    async close() {
      client.close()
    },
  }
}
