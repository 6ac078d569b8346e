import t from 'tap'
import { RequestIdFilter } from '../../src/office/request-id-filter.js'

t.test('an added id is found for at least a whole generation after its index, however the indexes jump', async (t) => {
  const generation = 1000
  const filter = new RequestIdFilter(generation)
  const missed: string[] = []
  for (let index = 1; index <= 10_000; index += 7) {
    filter.add(`id-${index}`, index)
    // Every id added within the last generation of indexes must still be there.
    for (let back = index; back > index - generation && back >= 1; back -= 7 * 13) {
      if (!filter.mayContain(`id-${back}`)) missed.push(`id-${back} at ${index}`)
    }
  }
  t.same(missed, [], 'no false negative')
  filter.add('late', 50_000)
  t.equal(filter.mayContain('id-9997'), false, 'a jump of several generations forgets everything older')
  t.equal(filter.mayContain('late'), true)
})

t.test('ids never added are mostly answered no (about 1% false positives at capacity)', async (t) => {
  const filter = new RequestIdFilter(20_000)
  for (let i = 0; i < 20_000; i++) filter.add(`client-${i}-${(i * 7919) % 10007}`, 1 + i)
  let positives = 0
  for (let i = 0; i < 20_000; i++) if (filter.mayContain(`other-${i}`)) positives++
  t.ok(positives / 20_000 < 0.03, `false positive rate ${(positives / 200).toFixed(2)}% is under 3%`)
})

t.test('a generation size that is not a positive integer is refused, naming it', async (t) => {
  t.throws(() => new RequestIdFilter(0), /generationEntries must be a positive integer, got 0/)
})
