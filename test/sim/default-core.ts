/** The simulator's default replica: the real Raft core, unmodified. */
import { RaftNode } from '../../raft/index.js'
import type { CoreFactory } from './replica.js'

export const createRaftNode: CoreFactory = (config, restored) => new RaftNode(config, restored)
