/** Waits, with a bound, for state that other processes replicate on their own schedule (directory passes, ~0.5 s). */
export async function pollUntil<T>(look: () => Promise<T>, accept: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T | string = 'nothing yet'
  while (Date.now() < deadline) {
    try {
      const value = await look()
      if (accept(value)) return value
      last = value
    } catch (error) {
      last = `error: ${(error as Error).message}`
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms; last seen ${JSON.stringify(last)}`)
}
