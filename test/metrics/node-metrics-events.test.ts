/**
 * NodeMetrics in process, with made-up sources: every metric the operations guide names is
 * exposed with HELP text, elections are counted once per candidacy, and the free/busy cache's hit
 * rate is a gauge of its own.
 */
import t from 'tap'
import type { RaftStatus } from '../../raft/status.js'
import { NodeMetrics } from '../../src/metrics/node-metrics.js'
import { REQUIRED_METRICS } from './required-metrics.js'

const STATUS: RaftStatus = {
  id: 'nyc-1', role: 'follower', term: 3, vote: null, leader: 'nyc-2', commit: 10, applied: 9, lastIndex: 12, firstIndex: 1,
  conf: { voters: ['nyc-1', 'nyc-2', 'nyc-3'], learners: [] }, progress: null, transferringTo: null,
}
let cache = { hits: 0, misses: 0, hitRate: 0, entries: 0, invalidated: 0, resets: 0 }

function metrics(): NodeMetrics {
  return new NodeMetrics({ nodeId: 'nyc-1', officeId: 'nyc', processMetrics: false }, {
    raft: () => STATUS,
    driver: () => ({ readies: 0, persists: 0, persistedEntries: 0, snapshots: 0 }),
    rpc: () => ({ connections: 0, requests: 0, rejected: 0, internalErrors: 0, overloaded: 0, denied: 0, slowClientsClosed: 0, rateLimited: 0, idleClosed: 0, connectionsRefused: 0 }),
    fencing: async () => ({ staleTerm: 0, staleToken: 0, conflictingDecision: 0, notPrepared: 0 }),
    freeBusyCache: () => cache,
  })
}

function value(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
  if (line === undefined) throw new Error(`no sample of ${name}`)
  return Number(line.slice(line.lastIndexOf(' ') + 1))
}


t.test('every required metric is exposed with TYPE and non-empty HELP', async (t) => {
  const text = await metrics().exposition()
  for (const [what, name] of REQUIRED_METRICS) {
    t.match(text, new RegExp(`^# HELP ${name} \\S.{10,}$`, 'm'), `${what}: ${name} has HELP text`)
    t.match(text, new RegExp(`^# TYPE ${name} (counter|gauge|histogram)$`, 'm'), `${what}: ${name} has a TYPE`)
  }
  t.equal(value(text, 'dms_raft_commit_lag_entries'), 2, 'last - commit')
  t.equal(value(text, 'dms_raft_apply_lag_entries'), 1, 'commit - applied')
})

t.test('elections: one per candidacy, a repeated candidacy in a new term counts again, pre-votes do not', async (t) => {
  const m = metrics()
  const elections = async (): Promise<number> => value(await m.exposition(), 'dms_raft_elections_started_total')
  t.equal(await elections(), 0)
  m.softState({ role: 'preCandidate', leader: null, term: 3 })
  t.equal(await elections(), 0, 'a pre-vote is not an election')
  m.softState({ role: 'candidate', leader: null, term: 4 })
  t.equal(await elections(), 1)
  m.softState({ role: 'candidate', leader: null, term: 5 })
  t.equal(await elections(), 2, 'the first candidacy timed out: a second election')
  m.softState({ role: 'leader', leader: 'nyc-1', term: 5 })
  t.equal(await elections(), 2, 'winning is not another election')
  t.equal(value(await m.exposition(), 'dms_raft_leader_changes_total'), 1)
})

t.test('the free/busy cache hit rate is hits / lookups', async (t) => {
  const m = metrics()
  t.equal(value(await m.exposition(), 'dms_freebusy_cache_hit_ratio'), 0, 'no lookup yet')
  cache = { ...cache, hits: 3, misses: 1, hitRate: 0.75 }
  const text = await m.exposition()
  t.equal(value(text, 'dms_freebusy_cache_hit_ratio'), 0.75)
  t.match(text, /dms_freebusy_cache_lookups_total\{result="hit",node="nyc-1",office="nyc"\} 3/)
})
