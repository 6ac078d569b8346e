import t from 'tap'
import { loadClusterConfig, parseClusterConfig, ConfigError } from '../../src/config/load-cluster-config.js'
import { findReplica, officeClientUrls, oneWayDelayMs, peerUrlsOf } from '../../src/config/cluster-topology.js'

const fixture = (name: string): string => `test/config/fixtures/${name}`

t.test('the shipped configs are valid and warning-free', async (t) => {
  for (const [file, offices] of [
    ['cluster-configs/local.json', ['nyc', 'lon', 'tok']],
    ['cluster-configs/single-office.json', ['nyc']],
    ['cluster-configs/five-offices.json', ['nyc', 'lon', 'tok', 'sfo', 'blr']],
  ] as const) {
    const { config, warnings } = await loadClusterConfig(file)
    t.same(config.offices.map((o) => o.id), offices, file)
    t.same(warnings, [], `${file} has no warnings`)
    for (const office of config.offices) t.equal(office.replicas.length, 3, `${file}: ${office.id} has 3 replicas`)
  }
})

t.test('local.json describes three offices with their own zones and working time', async (t) => {
  const { config } = await loadClusterConfig('cluster-configs/local.json')
  const lon = config.offices.find((o) => o.id === 'lon')
  const tok = config.offices.find((o) => o.id === 'tok')
  t.equal(lon?.timeZone, 'Europe/London')
  t.same(lon?.lunch, { start: '12:30', end: '13:30' })
  t.same(tok?.workHours, { start: '09:30', end: '18:30' })
  t.equal(config.interOfficeDelays.enabled, false, 'delays are off by default')
  t.same(officeClientUrls(config, 'tok'), ['ws://127.0.0.1:7301/client', 'ws://127.0.0.1:7302/client', 'ws://127.0.0.1:7303/client'])
  t.same([...peerUrlsOf(config, 'nyc-2')], [
    ['nyc-1', 'ws://127.0.0.1:7101/peer'],
    ['nyc-3', 'ws://127.0.0.1:7103/peer'],
  ])
  t.equal(findReplica(config, 'lon-3').office.id, 'lon')
  t.throws(() => findReplica(config, 'par-1'), /unknown replica id "par-1"; this config has nyc-1/)
  t.equal(oneWayDelayMs(config, 'nyc', 'tok'), 0, 'no delay while disabled')
  const delayed = { ...config, interOfficeDelays: { ...config.interOfficeDelays, enabled: true } }
  t.equal(oneWayDelayMs(delayed, 'tok', 'nyc'), 80, 'a pair applies in both directions')
  t.equal(oneWayDelayMs(delayed, 'nyc', 'nyc'), 0)
})

t.test('bad configs are refused with the file and the field named', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['bad-port.json', /^test\/config\/fixtures\/bad-port\.json: offices\[1\]\.replicas\[0\]\.port: expected an integer 1-65535$/],
    ['duplicate-port.json', /duplicate-port\.json: offices\[2\]\.replicas\[1\]\.port: duplicate address 127\.0\.0\.1:7102 \(also offices\[0\]\.replicas\[1\]\)/],
    ['duplicate-replica-id.json', /offices\[1\]\.replicas\[2\]\.id: duplicate replica id "nyc-1" \(also offices\[0\]\.replicas\[0\]\)/],
    ['bad-time-zone.json', /offices\[2\]\.timeZone: expected an IANA time zone such as "Europe\/London", got "Asia\/Tokio"/],
    ['lunch-outside-hours.json', /offices\[0\]\.lunch: expected lunch within working hours 09:00-17:00/],
    ['unknown-delay-office.json', /interOfficeDelays\.oneWayMs\.nyc-par: unknown office "par"/],
    ['misspelled-key.json', /offices\[0\].*workHour/],
    ['heartbeat-too-slow.json', /timing\.heartbeatTicks: expected heartbeatTicks below electionTicks/],
    ['not-json.json', /not-json\.json: not valid JSON/],
    ['missing.json', /missing\.json: cannot read cluster config: no such file/],
  ]
  for (const [name, pattern] of cases) {
    await t.rejects(loadClusterConfig(fixture(name)), { name: 'ConfigError', message: pattern }, name)
  }
})

t.test('a non-loopback host is allowed but flagged', async (t) => {
  const { warnings } = await loadClusterConfig(fixture('non-loopback-host.json'))
  t.match(warnings[0], /non-loopback-host\.json: offices\[0\]\.replicas\[2\]\.host: "10\.1\.2\.3" is not a loopback address and TLS is off/)
  t.match(warnings.at(-1), /peerSecretFile is not set/)
})

t.test('defaults fill in what a minimal config leaves out', async (t) => {
  const { config } = parseClusterConfig(
    {
      clusterId: 'tiny',
      offices: [
        {
          id: 'ber',
          name: 'Berlin',
          timeZone: 'Europe/Berlin',
          workHours: { start: '08:00', end: '16:00' },
          workDays: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
          lunch: { start: '12:00', end: '12:30' },
          replicas: [{ id: 'ber-1', host: 'localhost', port: 9001 }],
        },
      ],
    },
    'inline',
  )
  t.same(config.timing, { tickMs: 50, electionTicks: 10, heartbeatTicks: 2 })
  t.same(config.security, { tls: null, peerSecretFile: null, allowNonLoopback: false, clientAuth: false })
  t.same(config.offices[0]?.holidays, [])
  t.throws(() => parseClusterConfig({ clusterId: 'x', offices: 'none' }, 'inline'), ConfigError)
  t.throws(() => parseClusterConfig(null, 'inline'), /^inline: /)
})
