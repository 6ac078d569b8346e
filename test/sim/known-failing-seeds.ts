/**
 * Seeds on which the simulator found a real problem in the core, kept as a regression list: the
 * simulation test replays every one of them, so they pass only once the core is fixed. Each
 * entry says what the simulator reported; see docs/DESIGN.md (Deterministic simulation).
 * A seed names a run only for a given simulator version (new fault kinds change what a seed
 * draws), so each entry records the commit of test/sim/ that reproduced it.
 */
export interface KnownFailingSeed {
  readonly seed: number
  readonly steps: number
  /** test/sim/ as of this commit reproduced the failure against the core of that time. */
  readonly simulatorCommit: string
  readonly found: string
}

export const knownFailingSeeds: readonly KnownFailingSeed[] = [
  {
    seed: 21,
    steps: 5000,
    simulatorCommit: '3616749',
    found:
      'message storm: InstallSnapshot go-back-N amplification. With a window of several chunks in flight, one lost or duplicated chunk makes the follower reject every later chunk of the window, and the leader answers EACH reject by rewinding and resending a whole window, whose chunks are rejected again: traffic grows without bound (fixed in the core by 60b6674)',
  },
  { seed: 49, steps: 5000, simulatorCommit: '3616749', found: 'message storm: same snapshot chunk amplification (16-byte chunks)' },
]
