/** A timer source, injected so tests and simulations decide when time passes. */
export type Cancel = () => void
export type Schedule = (callback: () => void, delayMs: number) => Cancel

export const realSchedule: Schedule = (callback, delayMs) => {
  const handle = setTimeout(callback, delayMs)
  return () => clearTimeout(handle)
}
