import type { SequentialModel, StepResult } from './sequential-model.js'

/**
 * One key of the KV store as a register: its state is the value, or `null` when absent.
 * Puts and deletes are blind writes; a CAS whose outcome is unknown (it timed out) is accepted
 * from any state and swaps exactly when the state matched.
 */
export type RegisterOp =
  | { readonly kind: 'write'; readonly value: string | null }
  | { readonly kind: 'read'; readonly value: string | null }
  | {
      readonly kind: 'cas'
      readonly expected: string | null
      readonly value: string
      readonly swapped: boolean | 'unknown'
    }

export type RegisterState = string | null

const ABSENT_HASH = 0x5bd1e995

export const kvRegisterModel: SequentialModel<RegisterState, RegisterOp> = {
  init: () => null,

  step(state: RegisterState, op: RegisterOp): StepResult<RegisterState> {
    switch (op.kind) {
      case 'write':
        return { ok: true, state: op.value }
      case 'read':
        return op.value === state ? { ok: true, state } : { ok: false }
      case 'cas': {
        const matches = state === op.expected
        if (op.swapped !== 'unknown' && op.swapped !== matches) return { ok: false }
        return { ok: true, state: matches ? op.value : state }
      }
    }
  },

  pending(op) {
    switch (op.kind) {
      case 'write':
        return op
      case 'read':
        return null
      case 'cas':
        return { ...op, swapped: 'unknown' }
    }
  },

  isBlindWrite: (op) => op.kind === 'write',

  equal: (a, b) => a === b,

  hash(state) {
    if (state === null) return ABSENT_HASH
    // FNV-1a over UTF-16 code units.
    let h = 0x811c9dc5
    for (let i = 0; i < state.length; i++) {
      h ^= state.charCodeAt(i)
      h = Math.imul(h, 0x01000193)
    }
    return h | 0
  },

  describeOp(op) {
    switch (op.kind) {
      case 'write':
        return op.value === null ? 'delete' : `put ${show(op.value)}`
      case 'read':
        return `get → ${show(op.value)}`
      case 'cas': {
        const outcome = op.swapped === 'unknown' ? 'outcome unknown' : op.swapped ? 'swapped' : 'not swapped'
        return `cas ${show(op.expected)} → ${show(op.value)} (${outcome})`
      }
    }
  },

  describeState: show,
}

function show(value: string | null): string {
  return value === null ? 'absent' : JSON.stringify(value)
}
