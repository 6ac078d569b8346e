/** A broken invariant found by the simulator; `check` names the property that failed. */
export class SimulationViolation extends Error {
  constructor(
    readonly check: string,
    readonly detail: string,
  ) {
    super(`${check}: ${detail}`)
    this.name = 'SimulationViolation'
  }
}
