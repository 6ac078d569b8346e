import t from 'tap'
import { PeerNonceRegister } from '../../src/security/peer-nonce-register.js'

t.test('a nonce is claimed once while its credential lives; expired ones are forgotten; the register is bounded', async (t) => {
  const register = new PeerNonceRegister(120_000, 3)
  t.equal(register.claim('a', 0, 0), true)
  t.equal(register.claim('a', 0, 10_000), false, 'a second claim is a replay')
  t.equal(register.claim('b', 1000, 10_000), true)
  t.equal(register.claim('c', 2000, 10_000), true)
  t.equal(register.claim('d', 3000, 10_000), false, 'full of live nonces: refused rather than forgetting one')
  t.equal(register.claim('d', 3000, 120_001), true, 'once "a" expired it is forgotten and there is room')
  t.equal(register.size, 3)
  t.equal(register.claim('e', 200_000, 200_000), true)
  t.equal(register.size, 1, 'every expired nonce is gone')
})
