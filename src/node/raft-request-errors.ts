/** How a Raft driver's refusal reaches a client: as the RPC error that tells it what to do next. */
import { RaftRequestError } from '../../raft/driver.js'
import { RpcError } from '../rpc/rpc-error.js'

export function toRpcError(error: unknown, leaderUrl: (leader: string) => string | null): unknown {
  if (!(error instanceof RaftRequestError)) return error
  switch (error.reason) {
    case 'notLeader':
    case 'transferring':
      return RpcError.notLeader(error.message, {
        leader: error.leader,
        leaderUrl: error.leader === null ? null : leaderUrl(error.leader),
      })
    case 'superseded':
    case 'leadershipLost':
    case 'readFailed':
    case 'confChangePending':
      return RpcError.of('UNAVAILABLE', `${error.message} (retry with the same request id)`, { reason: error.reason })
    case 'invalidConfChange':
      return RpcError.of('BAD_REQUEST', error.message, { reason: error.reason })
    case 'stopped':
      return RpcError.of('UNAVAILABLE', `this replica is stopping: ${error.message}`, { reason: error.reason })
  }
}
