/**
 * The fan-out with fake offices: people are placed by asking every other office once, then only
 * their own office is asked; within a staleness bound the cache answers with no call; without
 * one every office is read; unknown people are named by their field; a person who moved is
 * placed afresh on the next query.
 */
import t from 'tap'
import type { FreeBusyUser } from '../../src/calendar-service/calendar-api.js'
import { FreeBusyCache } from '../../src/free-busy/free-busy-cache.js'
import { FreeBusyFanOut } from '../../src/free-busy/free-busy-fan-out.js'
import type { OfficeCaller } from '../../src/free-busy/office-caller.js'
import { OfficeChangeFeeds } from '../../src/free-busy/office-change-feed.js'

const WINDOW = { start: Date.parse('2026-03-16T00:00:00Z'), end: Date.parse('2026-03-17T00:00:00Z') }

function person(id: string): FreeBusyUser {
  return { id, tz: 'UTC', busy: [], tentative: [], working: [{ start: '2026-03-16T09:00:00.000Z', end: '2026-03-16T17:00:00.000Z' }], validUntilMs: null }
}

function setup(people: Record<string, string[]>) {
  const calls: Array<{ office: string; users: string[] }> = []
  const homes = structuredClone(people)
  const office = (id: string): OfficeCaller =>
    ({
      call: async (method: string, params: { users?: string[] }) => {
        // The change stream stays quiet: its polls never answer within a test.
        if (method === 'calendar.changes') return new Promise(() => {})
        calls.push({ office: id, users: params.users ?? [] })
        return { users: (params.users ?? []).filter((u) => homes[id]?.includes(u)).map(person), appliedIndex: 7 }
      },
    }) as unknown as OfficeCaller
  let now = 1000
  const cache = new FreeBusyCache(() => now)
  const feeds = new OfficeChangeFeeds({ cache, office, now: () => now, waitMs: 500, retryMs: 250 })
  t.teardown(() => feeds.stop())
  const fanOut = new FreeBusyFanOut({
    officeId: 'nyc',
    offices: () => ['nyc', 'lon', 'tok'],
    office,
    readLocal: async (users) => users.filter((u) => homes['nyc']?.includes(u)).map(person),
    holdsLocally: async (users) => new Set(users.filter((u) => homes['nyc']?.includes(u))),
    cache,
    feeds,
    now: () => now,
  })
  const asked = (ids: string[]) => ids.map((id, i) => ({ id, field: `users[${i}]` }))
  return { fanOut, calls, homes, cache, asked, at: (ms: number) => (now = ms) }
}

t.test('placing by asking, then asking only the home office', async (t) => {
  const { fanOut, calls, asked } = setup({ nyc: ['ann'], lon: ['lena'], tok: ['taro'] })
  const first = await fanOut.freeBusy(asked(['ann', 'lena', 'taro']), WINDOW, null)
  t.same([...first.users.keys()].sort(), ['ann', 'lena', 'taro'])
  t.same(calls.map((c) => [c.office, c.users]).sort(), [['lon', ['lena', 'taro']], ['tok', ['lena', 'taro']]], 'unplaced people go to every other office in one round')
  t.equal(first.rpcs, 2)
  calls.length = 0
  const second = await fanOut.freeBusy(asked(['ann', 'lena']), WINDOW, null)
  t.same(calls.map((c) => [c.office, c.users]), [['lon', ['lena']]], 'a placed person is asked of their office only')
  t.same(second.sources, [{ office: 'nyc', users: 1, from: 'local' }, { office: 'lon', users: 1, from: 'remote' }])
  t.same(fanOut.counters, { fanOuts: 2, rpcs: 3 })
})

t.test('the cache answers within the staleness bound, never without one', async (t) => {
  const { fanOut, calls, asked, at } = setup({ nyc: ['ann'], lon: ['lena'] })
  await fanOut.freeBusy(asked(['ann', 'lena']), WINDOW, 1000)
  calls.length = 0
  const warm = await fanOut.freeBusy(asked(['ann', 'lena']), WINDOW, 1000)
  t.same(warm.sources, [{ office: 'nyc', users: 1, from: 'local' }, { office: 'lon', users: 1, from: 'cache' }])
  t.equal(warm.rpcs, 0)
  t.same(calls, [], 'no call to lon')
  await fanOut.freeBusy(asked(['lena']), WINDOW, null)
  t.equal(calls.length, 1, 'a linearizable query reads lon even when cached')
  at(5000)
  calls.length = 0
  await fanOut.freeBusy(asked(['lena']), WINDOW, 1000)
  t.equal(calls.length, 1, 'past the bound (and no confirmation from the change stream) lon is read again')
})

t.test('unknown and moved people', async (t) => {
  const { fanOut, homes, asked } = setup({ nyc: ['ann'], lon: ['lena'], tok: [] })
  await t.rejects(fanOut.freeBusy(asked(['ann', 'ghost']), WINDOW, null), /users\[1\]: no office has a user "ghost"/)
  await fanOut.freeBusy(asked(['lena']), WINDOW, null)
  homes['lon'] = []
  homes['tok'] = ['lena']
  await t.rejects(fanOut.freeBusy(asked(['lena']), WINDOW, null), /users\[0\]: no office has a user "lena"/, 'her old office no longer answers for her')
  const moved = await fanOut.freeBusy(asked(['lena']), WINDOW, null)
  t.same(moved.sources, [{ office: 'tok', users: 1, from: 'remote' }], 'the next query finds her where she moved')
})

t.test("other offices are asked before this office's read barrier settles; the local part waits for it", async (t) => {
  const { fanOut, calls, asked } = setup({ nyc: ['ann'], lon: ['lena'], tok: ['taro'] })
  let settle = (): void => {}
  const barrier = new Promise<void>((resolve) => (settle = resolve))
  let answered = false
  const answer = fanOut.freeBusy(asked(['ann', 'lena']), WINDOW, null, barrier).then((a) => ((answered = true), a))
  await new Promise((resolve) => setImmediate(resolve))
  t.same(calls.map((c) => c.office).sort(), ['lon', 'tok'], 'lena is not placed yet: both other offices are asked at once')
  t.notOk(answered, 'no answer before the barrier')
  settle()
  const done = await answer
  t.same([...done.users.keys()].sort(), ['ann', 'lena'])
  t.same(done.sources.map((s) => [s.office, s.from]), [['nyc', 'local'], ['lon', 'remote']])
})

t.test('a person held here before the read barrier and moved away by then is asked of the other offices', async (t) => {
  const { fanOut, calls, homes, asked } = setup({ nyc: ['ann'], lon: [], tok: [] })
  let settle = (): void => {}
  const barrier = new Promise<void>((resolve) => (settle = resolve))
  const answer = fanOut.freeBusy(asked(['ann']), WINDOW, null, barrier)
  await new Promise((resolve) => setImmediate(resolve))
  t.same(calls, [], 'ann is here as far as the applied state knows: no office is asked')
  // Her move to lon committed before the query; this replica applies it before its barrier settles.
  homes['nyc'] = []
  homes['lon'] = ['ann']
  settle()
  const done = await answer
  t.same([...done.users.keys()], ['ann'], 'found where she moved, not reported unknown')
  t.same(done.sources, [{ office: 'lon', users: 1, from: 'remote' }])
})
