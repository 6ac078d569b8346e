/**
 * A real `dms node` serves Prometheus metrics on GET /metrics of its one port and logs one JSON
 * line per event naming its node and office: scraped and read before and after a write.
 */
import { get } from 'node:http'
import t from 'tap'
import { startTestCluster } from '../integration/cluster-fixture.js'
import { runDms } from '../integration/run-dms.js'
import { REQUIRED_METRICS } from './required-metrics.js'

function scrape(port: number): Promise<{ status: number; contentType: string; body: string }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type']), body }))
    }).on('error', reject)
  })
}

/** Sample lines "name{labels} value" keyed by "name{labels}" exactly as exposed. */
function samples(text: string): Map<string, number> {
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue
    const space = line.lastIndexOf(' ')
    values.set(line.slice(0, space), Number(line.slice(space + 1)))
  }
  return values
}

function sample(values: Map<string, number>, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const [key, value] of values) {
    if (!key.startsWith(`${name}{`)) continue
    if (wanted.every((pair) => key.includes(pair))) return value
  }
  throw new Error(`no sample ${name} with ${wanted.join(',')}`)
}

/** Beyond the required ones: what the operations guide also shows. */
const OTHER_METRICS = ['dms_raft_commit_index', 'dms_raft_applied_index', 'dms_raft_is_leader', 'dms_raft_synced_writes_total', 'process_resident_memory_bytes']

t.test('/metrics on a real node moves after a write; its log lines are JSON naming node and office', async (t) => {
  const cluster = await startTestCluster(t, { replicaCount: 1 })
  await cluster.waitForLeader('nyc')
  const port = cluster.config.offices[0]?.replicas[0]?.port ?? 0

  const before = await scrape(port)
  t.equal(before.status, 200)
  t.match(before.contentType, /^text\/plain; version=0\.0\.4/)
  for (const name of [...REQUIRED_METRICS.map(([, name]) => name), ...OTHER_METRICS]) {
    t.match(before.body, new RegExp(`^# HELP ${name} \\S`, 'm'), `${name} is exposed with HELP text`)
    t.match(before.body, new RegExp(`^# TYPE ${name} `, 'm'), `${name} has a TYPE`)
  }
  const b = samples(before.body)
  t.equal(sample(b, 'dms_raft_is_leader', { node: 'nyc-1', office: 'nyc' }), 1, 'the only replica leads, and says so with its labels')
  t.ok(sample(b, 'dms_raft_leader_changes_total', {}) >= 1, 'it saw itself elected')

  await cluster.client('nyc').call('kv.put', { key: 'metrics-test', value: 'x' })
  await cluster.client('nyc').call('kv.get', { key: 'metrics-test' })

  const a = samples((await scrape(port)).body)
  t.equal(sample(a, 'dms_raft_proposals_total', { kind: 'kv', outcome: 'applied' }) - sample(b, 'dms_raft_proposals_total', { kind: 'kv', outcome: 'applied' }), 1, 'one kv proposal')
  t.ok(sample(a, 'dms_raft_commit_index', {}) > sample(b, 'dms_raft_commit_index', {}), 'commit index moved')
  t.equal(sample(a, 'dms_raft_applied_index', {}), sample(a, 'dms_raft_commit_index', {}), 'applied caught up with commit')
  t.ok(sample(a, 'dms_storage_sync_write_seconds_count', {}) > sample(b, 'dms_storage_sync_write_seconds_count', {}), 'the write was a synced batch, timed')
  t.equal(sample(a, 'dms_rpc_request_duration_seconds_count', { method: 'kv.put', outcome: 'ok' }), 1, 'kv.put timed once')
  t.equal(sample(a, 'dms_rpc_request_duration_seconds_count', { method: 'kv.get', outcome: 'ok' }), 1, 'kv.get timed once')
  t.equal(sample(a, 'dms_xoffice_fenced_rejections', { rejection: 'staleToken' }), 0)

  const lines = cluster.logs.map((line) => line.replace(/^\[nyc-1\] /, ''))
  const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  t.ok(events.length >= 2, 'the node logged')
  for (const event of events) t.match(event, { level: /^(info|warn|error)$/, node: 'nyc-1', office: 'nyc', time: /Z$/, msg: String }, 'every line names node and office')
  t.ok(events.some((event) => /^became leader of term \d+$/.test(String(event.msg))), 'leadership is logged')
  t.ok(events.some((event) => /listening on 127\.0\.0\.1:\d+$/.test(String(event.msg))), 'the listening address is logged')
})

t.test('dms node refuses an unknown --log-level, naming it', async (t) => {
  const run = await runDms(['node', '--config', 'cluster-configs/local.json', '--id', 'nyc-1', '--log-level', 'loud'])
  t.not(run.code, 0)
  t.match(run.stderr, /--log-level: expected one of trace, debug, info, warn, error, fatal, silent, got "loud"/)
})
