import t from 'tap'
import fc from 'fast-check'
import type { ChaosTopology } from '../../src/chaos/chaos-topology.js'
import {
  FAULT_KINDS,
  generateFaultSchedule,
  parseFaultKinds,
  resolvePartition,
  scheduleProblems,
  type ScheduledFault,
} from '../../src/chaos/fault-schedule.js'

// A fixed seed keeps the suite deterministic; change it locally to explore other cases.
fc.configureGlobal({ seed: 20261121 })

const threeByThree: ChaosTopology = {
  offices: ['nyc', 'lon', 'tok'].map((id) => ({ id, members: [1, 2, 3].map((n) => `${id}-${n}`) })),
}
const twoByFive: ChaosTopology = {
  offices: ['nyc', 'lon'].map((id) => ({ id, members: [1, 2, 3, 4, 5].map((n) => `${id}-${n}`) })),
}
const limits = { durationS: 60, quietS: 10, topology: threeByThree, rebuildS: 5 }

t.test('the same seed gives the same schedule, another seed another one', async (t) => {
  const options = { seed: 42, durationS: 60, kinds: FAULT_KINDS, topology: threeByThree }
  const first = generateFaultSchedule(options)
  t.same(generateFaultSchedule(options), first)
  t.notSame(generateFaultSchedule({ ...options, seed: 43 }), first)
  t.ok(first.length >= 5, `a minute of chaos has several faults (${first.length})`)
  t.ok(new Set(first.map((fault) => fault.kind)).size >= 3, 'of several kinds')
})

t.test('property: every generated schedule is admissible and uses only the kinds asked for', async (t) => {
  const kindsArb = fc.uniqueArray(fc.constantFrom(...FAULT_KINDS), { minLength: 1 })
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 40 }),
      fc.integer({ min: 10, max: 240 }),
      kindsArb,
      fc.constantFrom(threeByThree, twoByFive),
      (seed, durationS, kinds, topology) => {
        const schedule = generateFaultSchedule({ seed, durationS, kinds, topology })
        const quietS = Math.min(10, Math.max(2, durationS * 0.2))
        return (
          scheduleProblems(schedule, { durationS, quietS, topology, rebuildS: 5 }).length === 0 &&
          schedule.every((fault) => kinds.includes(fault.kind) && fault.atS + fault.durationS <= durationS - quietS) &&
          schedule.every((fault, i) => i === 0 || (schedule[i - 1]?.atS ?? 0) <= fault.atS)
        )
      },
    ),
    { numRuns: 200 },
  )
  t.pass()
})

const kill = (atS: number, durationS: number, id: string): ScheduledFault => ({ kind: 'kill', atS, durationS, target: { kind: 'node', id } })

t.test('inadmissible schedules are reported in words', async (t) => {
  t.same(scheduleProblems([kill(1, 2, 'nyc-1'), kill(4, 2, 'nyc-2'), kill(1, 2, 'lon-1')], limits), [], 'one replica down per office is fine')
  t.match(scheduleProblems([kill(1, 5, 'nyc-1'), kill(3, 1, 'nyc-2')], limits), [/office "nyc" has 2 replicas down but can spare only 1/])
  t.match(
    scheduleProblems([kill(1, 5, 'nyc-1'), { kind: 'coordinator-pause', atS: 2, durationS: 5, office: 'nyc' }], limits),
    [/office "nyc" has 2 replicas down/],
    'a coordinator pause takes a replica of its office down',
  )
  t.match(scheduleProblems([kill(45, 6, 'nyc-1')], limits), [/not healed by 50s/])
  t.match(
    scheduleProblems([{ kind: 'data-loss', atS: 44, durationS: 2, target: { kind: 'node', id: 'tok-1' } }], limits),
    [/not healed by 50s/],
    'data loss must also have rebuilt before the quiet period',
  )
  const halves: ScheduledFault = {
    kind: 'partition',
    atS: 7,
    durationS: 3,
    partition: { pattern: 'random-halves', sides: [['nyc-1'], ['lon-1']] },
  }
  t.match(
    scheduleProblems([{ kind: 'data-loss', atS: 1, durationS: 2, target: { kind: 'node', id: 'tok-1' } }, halves], limits),
    [/overlap while office "tok" rebuilds a wiped replica/],
    'the rebuild window (1s + 2s down + 5s rebuild) still covers 7s',
  )
  t.match(scheduleProblems([halves, { ...halves, atS: 9 }], limits), [/are both partition faults at once/])
  t.match(
    scheduleProblems([kill(1, 3, 'lon-2'), { kind: 'pause', atS: 2, durationS: 1, target: { kind: 'node', id: 'lon-2' } }], {
      ...limits,
      topology: twoByFive,
    }),
    [/take the same replica down at once/],
  )
  t.throws(() => scheduleProblems([kill(1, 1, 'sfo-1')], limits), /node "sfo-1" is in no office/)
})

t.test('bad options and fault lists are refused by name', async (t) => {
  t.same(parseFaultKinds('kill, pause,partition'), ['kill', 'pause', 'partition'])
  t.throws(() => parseFaultKinds('kill,explode'), /unknown fault kind "explode"/)
  t.throws(() => parseFaultKinds(' , '), /names no fault kind/)
  t.throws(() => generateFaultSchedule({ seed: 1, durationS: 3, kinds: ['kill'], topology: threeByThree, quietS: 3 }), /leaves no time for faults/)
  t.throws(() => generateFaultSchedule({ seed: 1, durationS: -1, kinds: ['kill'], topology: threeByThree }), /chaos duration must be a positive/)
  t.throws(() => generateFaultSchedule({ seed: 1.5, durationS: 60, kinds: ['kill'], topology: threeByThree }), /seed must be an integer/)
})

t.test('partition specs resolve "the leader" when the fault fires', async (t) => {
  t.same(resolvePartition({ pattern: 'isolate', target: { kind: 'leader', office: 'lon' } }, (office) => `${office}-2`), {
    pattern: 'isolate',
    node: 'lon-2',
  })
})
