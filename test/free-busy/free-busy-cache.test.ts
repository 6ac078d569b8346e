/**
 * The free/busy cache: answers are hits only while fresh enough and not invalidated; the change
 * stream drops a person's older answers and refuses to store answers read before a known change;
 * an "unknown" change resets the office; live holds end an answer's validity.
 */
import t from 'tap'
import type { FreeBusyUser } from '../../src/calendar-service/calendar-api.js'
import { FreeBusyCache } from '../../src/free-busy/free-busy-cache.js'

function answer(id: string, validUntilMs: number | null = null): FreeBusyUser {
  return { id, tz: 'Europe/London', busy: [{ start: '2026-03-18T10:00:00.000Z', end: '2026-03-18T11:00:00.000Z' }], tentative: [], working: [], validUntilMs }
}

function setup() {
  let now = 1000
  const cache = new FreeBusyCache(() => now)
  return { cache, at: (ms: number) => (now = ms) }
}

t.test('a stored answer hits while fresh and misses once older than the bound', async (t) => {
  const { cache, at } = setup()
  t.equal(cache.lookup('lon', 'lena', 'w', 1000), null, 'empty cache misses')
  t.ok(cache.store('lon', 'w', { answer: answer('lena'), readAtIndex: 10, askedAtMs: 1000 }))
  at(1500)
  t.same(cache.lookup('lon', 'lena', 'w', 1000)?.id, 'lena', 'hit within the bound')
  t.equal(cache.lookup('lon', 'lena', 'other-window', 1000), null, 'another window misses')
  at(2500)
  t.equal(cache.lookup('lon', 'lena', 'w', 1000), null, 'older than the bound: miss')
  cache.applyChanges('lon', { appliedIndex: 12, users: [], freshAsOfMs: 2400 })
  t.same(cache.lookup('lon', 'lena', 'w', 1000)?.id, 'lena', "the office's change stream confirmed it: fresh again")
  t.same(cache.stats(), { hits: 2, misses: 3, hitRate: 0.4, entries: 1, invalidated: 0, resets: 0 })
})

t.test('a change of the person drops answers read before it and refuses older ones', async (t) => {
  const { cache } = setup()
  cache.store('lon', 'w', { answer: answer('lena'), readAtIndex: 10, askedAtMs: 1000 })
  cache.store('lon', 'w', { answer: answer('liam'), readAtIndex: 10, askedAtMs: 1000 })
  cache.applyChanges('lon', { appliedIndex: 15, users: ['lena'], freshAsOfMs: 1000 })
  t.equal(cache.lookup('lon', 'lena', 'w', 10_000), null, 'the changed person is dropped')
  t.same(cache.lookup('lon', 'liam', 'w', 10_000)?.id, 'liam', 'the others stay')
  t.notOk(cache.store('lon', 'w', { answer: answer('lena'), readAtIndex: 14, askedAtMs: 1000 }), 'an answer read before the change is refused')
  t.ok(cache.store('lon', 'w', { answer: answer('lena'), readAtIndex: 15, askedAtMs: 1000 }), 'one read at or after it is kept')
  cache.applyChanges('lon', { appliedIndex: 15, users: ['lena'], freshAsOfMs: 1000 })
  t.same(cache.lookup('lon', 'lena', 'w', 10_000)?.id, 'lena', 'a change the answer already reflects does not drop it')
  t.equal(cache.stats().invalidated, 1)
})

t.test('an office whose changes cannot be told is reset; other offices are not touched', async (t) => {
  const { cache } = setup()
  cache.store('lon', 'w', { answer: answer('lena'), readAtIndex: 10, askedAtMs: 1000 })
  cache.store('tok', 'w', { answer: answer('taro'), readAtIndex: 3, askedAtMs: 1000 })
  cache.applyChanges('lon', { appliedIndex: 40, users: null, freshAsOfMs: 1000 })
  t.equal(cache.lookup('lon', 'lena', 'w', 10_000), null, 'reset office misses')
  t.same(cache.lookup('tok', 'taro', 'w', 10_000)?.id, 'taro')
  t.notOk(cache.store('lon', 'w', { answer: answer('lena'), readAtIndex: 39, askedAtMs: 1000 }), 'answers from before the reset are refused')
  t.same(cache.stats().resets, 1)
  t.same(cache.stats().entries, 1)
})

t.test('an answer with a live hold is valid only until the hold lease ends', async (t) => {
  const { cache, at } = setup()
  cache.store('lon', 'w', { answer: answer('lena', 1800), readAtIndex: 10, askedAtMs: 1000 })
  at(1700)
  t.ok(cache.lookup('lon', 'lena', 'w', 10_000))
  at(1800)
  t.equal(cache.lookup('lon', 'lena', 'w', 10_000), null)
})
