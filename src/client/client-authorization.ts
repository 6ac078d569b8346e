/**
 * Where a client's credential comes from when its code names none: the token in the environment
 * variable DMS_TOKEN, or in the file named by DMS_TOKEN_FILE (what `dms --token-file` sets). The
 * result is an Authorization header value, or null to connect without one (authentication off).
 */
import { readFileSync } from 'node:fs'

export const TOKEN_ENV = 'DMS_TOKEN'
export const TOKEN_FILE_ENV = 'DMS_TOKEN_FILE'

export type AuthorizationSource = () => string | null

const fileTokens = new Map<string, string>()

export function authorizationFromEnvironment(env: NodeJS.ProcessEnv = process.env): string | null {
  const token = env[TOKEN_ENV]
  if (token !== undefined && token !== '') return `Bearer ${token.trim()}`
  const file = env[TOKEN_FILE_ENV]
  if (file === undefined || file === '') return null
  let text = fileTokens.get(file)
  if (text === undefined) {
    try {
      text = readFileSync(file, 'utf8').trim()
    } catch (err) {
      throw new Error(`${file}: cannot read the token file (${TOKEN_FILE_ENV} / --token-file): ${err instanceof Error ? err.message : String(err)}`)
    }
    if (text === '') throw new Error(`${file}: the token file is empty`)
    fileTokens.set(file, text)
  }
  return `Bearer ${text}`
}
