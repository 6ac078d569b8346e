/**
 * Seeds on which the simulator found a real problem in the core, kept as a regression list: the
 * simulation test replays every one of them, so they pass only while the fix holds. A seed names
 * a run only for one simulator version (new fault kinds change what a seed draws), so only seeds
 * that reproduce with the current test/sim/ are listed; earlier finds are described in
 * docs/DESIGN.md (2.8) with the simulator commit that reproduces them.
 */
import type { DriverMode } from './replica.js'

export interface KnownFailingSeed {
  readonly seed: number
  readonly steps: number
  readonly driver: DriverMode
  /** test/sim/ as of this commit reproduced the failure against the core of that time. */
  readonly simulatorCommit: string
  readonly found: string
}

export const knownFailingSeeds: readonly KnownFailingSeed[] = [
  {
    seed: 5613,
    steps: 5000,
    driver: 'persistBeforeSend',
    simulatorCommit: '9cce3e0',
    found:
      'liveness, no leader after healing (core 251548c): a replica refused pre-votes for a term it had already reached but answered in the proposed term, so pre-candidates never caught up with it; replicas stayed at different terms, each refused by another (one for its term, one for its log)',
  },
]
