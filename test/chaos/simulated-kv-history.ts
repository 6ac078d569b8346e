import type { KvHistoryOp } from '../../src/chaos/linearizability/kv-history.js'
import type { Random } from '../../src/chaos/seeded-random.js'

/**
 * A history that is linearizable by construction: clients issue operations one at a time with
 * random latencies, each operation takes effect at a random instant inside its own interval, and
 * results come from applying the operations to a plain map in the order of those instants. Some
 * operations are made indeterminate (taking effect or not) or failed (not taking effect).
 */
export interface SimulationShape {
  readonly clients: number
  readonly keys: number
  readonly ops: number
  readonly indeterminateRate: number
  readonly failRate: number
}

interface Planned {
  readonly client: number
  readonly key: string
  readonly calledAt: number
  readonly effectAt: number
  readonly returnedAt: number
  readonly fate: 'ok' | 'fail' | 'info-applied' | 'info-lost'
  readonly command:
    | { readonly kind: 'put'; readonly value: string }
    | { readonly kind: 'delete' }
    | { readonly kind: 'get' }
    | { readonly kind: 'cas'; readonly expected: string | null; readonly value: string }
}

export function simulateKvHistory(shape: SimulationShape, random: Random): KvHistoryOp[] {
  const clientFreeAt = new Array<number>(shape.clients).fill(0)
  const writtenPerKey = new Map<string, string[]>()
  const planned: Planned[] = []
  for (let i = 0; i < shape.ops; i++) {
    const client = random.int(0, shape.clients - 1)
    const key = `k${random.int(0, shape.keys - 1)}`
    const calledAt = (clientFreeAt[client] ?? 0) + random.int(0, 5)
    const returnedAt = calledAt + random.int(0, 20)
    const effectAt = random.between(calledAt, returnedAt)
    clientFreeAt[client] = returnedAt + 1
    const written = writtenPerKey.get(key) ?? []
    const roll = random.next()
    const value = `v${i}`
    const command: Planned['command'] =
      roll < 0.35
        ? { kind: 'get' }
        : roll < 0.65
          ? { kind: 'put', value }
          : roll < 0.75
            ? { kind: 'delete' }
            : { kind: 'cas', expected: written.length > 0 && random.chance(0.8) ? random.pick(written) : null, value }
    if (command.kind === 'put' || command.kind === 'cas') written.push(value)
    writtenPerKey.set(key, written)
    const fateRoll = random.next()
    const fate: Planned['fate'] =
      fateRoll < shape.failRate
        ? 'fail'
        : fateRoll < shape.failRate + shape.indeterminateRate
          ? random.chance(0.5)
            ? 'info-applied'
            : 'info-lost'
          : 'ok'
    planned.push({ client, key, calledAt, effectAt, returnedAt, fate, command })
  }

  const state = new Map<string, string>()
  const history = new Array<KvHistoryOp>(planned.length)
  const byEffect = planned.map((op, index) => ({ op, index })).sort((a, b) => a.op.effectAt - b.op.effectAt)
  for (const { op, index } of byEffect) {
    const applies = op.fate === 'ok' || op.fate === 'info-applied'
    const current = state.get(op.key) ?? null
    const identity = { id: `op${index}`, client: `c${op.client}`, key: op.key, calledAt: op.calledAt }
    const unsure =
      op.fate === 'fail'
        ? ({ status: 'fail', returnedAt: op.returnedAt } as const)
        : ({ status: 'info', returnedAt: op.fate === 'info-lost' ? null : op.returnedAt } as const)
    const acked = { status: 'ok', returnedAt: op.returnedAt } as const
    switch (op.command.kind) {
      case 'get':
        history[index] = { ...identity, kind: 'get', outcome: op.fate === 'ok' ? { ...acked, value: current } : unsure }
        break
      case 'put':
        if (applies) state.set(op.key, op.command.value)
        history[index] = { ...identity, kind: 'put', value: op.command.value, outcome: op.fate === 'ok' ? acked : unsure }
        break
      case 'delete':
        if (applies) state.delete(op.key)
        history[index] = { ...identity, kind: 'delete', outcome: op.fate === 'ok' ? acked : unsure }
        break
      case 'cas': {
        const swapped = current === op.command.expected
        if (applies && swapped) state.set(op.key, op.command.value)
        history[index] = {
          ...identity,
          kind: 'cas',
          expected: op.command.expected,
          value: op.command.value,
          outcome: op.fate === 'ok' ? { ...acked, swapped } : unsure,
        }
        break
      }
    }
  }
  return history
}
