/** What the KV load generator drives: the project's cluster or an etcd cluster, through one interface. */
export interface KvBenchTarget {
  readonly name: 'dms' | 'etcd'
  put(key: string, value: string): Promise<void>
  close(): Promise<void>
}
