/** Parsers for option values that name the option in their error. */
import { InvalidArgumentError } from 'commander'

export function parseNonNegativeInteger(name: string): (text: string) => number {
  return (text) => {
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text))) {
      throw new InvalidArgumentError(`${name}: expected a non-negative integer, got "${text}"`)
    }
    return Number(text)
  }
}

export function parsePositiveInteger(name: string, max = Number.MAX_SAFE_INTEGER): (text: string) => number {
  const nonNegative = parseNonNegativeInteger(name)
  return (text) => {
    const value = nonNegative(text)
    if (value < 1 || value > max) throw new InvalidArgumentError(`${name}: expected an integer from 1 to ${max}, got "${text}"`)
    return value
  }
}
