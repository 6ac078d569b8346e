import type { KvBenchTarget } from './kv-bench-target.js'

/**
 * Drives etcd through its gRPC client (`etcd3`, a dev dependency), as applications use it. Loaded
 * lazily so the product does not need it unless someone benchmarks against etcd.
 */
export async function connectEtcdTarget(endpoints: readonly string[]): Promise<KvBenchTarget> {
  let Etcd3: typeof import('etcd3').Etcd3
  try {
    ;({ Etcd3 } = await import('etcd3'))
  } catch {
    throw new Error('--target etcd needs the dev dependency "etcd3" (run npm ci without --omit=dev)')
  }
  const client = new Etcd3({ hosts: [...endpoints] })
  return {
    name: 'etcd',
    async put(key, value) {
      await client.put(key).value(value)
    },
    async close() {
      client.close()
    },
  }
}
