/**
 * The zod schema of every Raft `Message`, field by field, so a peer frame is fully type-checked
 * before the core sees it. The assertions at the end make the schema and raft/types.ts agree in
 * both directions, so a message type added there without a schema here fails to compile.
 */
import { z } from 'zod'
import type { Message } from '../../raft/types.js'

export const MAX_ID_LENGTH = 64
export const MAX_CONTEXT_LENGTH = 256

const nodeId = z.string().min(1).max(MAX_ID_LENGTH)
const natural = z.int().min(0)
const bytes = z.instanceof(Uint8Array, { error: 'expected bytes' })

const confState = z.strictObject({ voters: z.array(nodeId), learners: z.array(nodeId) })

const confChange = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('addVoter'), node: nodeId, context: bytes.optional() }),
  z.strictObject({ type: z.literal('addLearner'), node: nodeId, context: bytes.optional() }),
  z.strictObject({ type: z.literal('promoteLearner'), node: nodeId }),
  z.strictObject({ type: z.literal('removeNode'), node: nodeId }),
])

const entry = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('command'), term: natural, index: natural, data: bytes }),
  z.strictObject({ kind: z.literal('noop'), term: natural, index: natural }),
  z.strictObject({ kind: z.literal('config'), term: natural, index: natural, change: confChange }),
])

const envelope = { from: nodeId, to: nodeId, term: natural }
const readContext = z.string().max(MAX_CONTEXT_LENGTH)

const preVoteMessage = z.strictObject({ ...envelope, type: z.literal('preVote'), lastLogIndex: natural, lastLogTerm: natural })

const preVoteResponseMessage = z.strictObject({ ...envelope, type: z.literal('preVoteResponse'), granted: z.boolean() })

const voteMessage = z.strictObject({ ...envelope, type: z.literal('vote'), lastLogIndex: natural, lastLogTerm: natural, transfer: z.boolean() })

const voteResponseMessage = z.strictObject({ ...envelope, type: z.literal('voteResponse'), granted: z.boolean() })

const appendMessage = z.strictObject({
  ...envelope,
  type: z.literal('append'),
  prevLogIndex: natural,
  prevLogTerm: natural,
  entries: z.array(entry),
  commit: natural,
})

const appendResponseMessage = z.strictObject({
  ...envelope,
  type: z.literal('appendResponse'),
  index: natural,
  reject: z.boolean(),
  hintIndex: natural,
  hintTerm: natural,
})

const heartbeatMessage = z.strictObject({ ...envelope, type: z.literal('heartbeat'), commit: natural, readContext: readContext.nullable() })

const heartbeatResponseMessage = z.strictObject({ ...envelope, type: z.literal('heartbeatResponse'), readContext: readContext.nullable() })

const snapshotMessage = z.strictObject({
  ...envelope,
  type: z.literal('snapshot'),
  meta: z.strictObject({ index: natural, term: natural, conf: confState }),
  offset: natural,
  chunk: bytes,
  done: z.boolean(),
})

const snapshotResponseMessage = z.strictObject({
  ...envelope,
  type: z.literal('snapshotResponse'),
  snapshotIndex: natural,
  nextOffset: natural,
  reject: z.boolean(),
  done: z.boolean(),
})

const timeoutNowMessage = z.strictObject({ ...envelope, type: z.literal('timeoutNow') })

const readIndexMessage = z.strictObject({ ...envelope, type: z.literal('readIndex'), context: readContext })

const readIndexResponseMessage = z.strictObject({ ...envelope, type: z.literal('readIndexResponse'), context: readContext, index: natural.nullable() })

export const raftMessageSchema = z.discriminatedUnion('type', [
  preVoteMessage,
  preVoteResponseMessage,
  voteMessage,
  voteResponseMessage,
  appendMessage,
  appendResponseMessage,
  heartbeatMessage,
  heartbeatResponseMessage,
  snapshotMessage,
  snapshotResponseMessage,
  timeoutNowMessage,
  readIndexMessage,
  readIndexResponseMessage,
]) satisfies z.ZodType<Message>

// Every message type has a variant (none left out), and every variant yields a valid Message.
type SchemaOutput = z.output<typeof raftMessageSchema>
type Covers<T extends SchemaOutput['type']> = T
type Within<T extends Message> = T
export type RaftMessageSchemaAgreement = [Covers<Message['type']>, Within<SchemaOutput>]
