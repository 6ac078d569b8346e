/**
 * The cluster secret: the one shared key that makes a process a member of this cluster. It comes
 * from the file the config names (security.peerSecretFile) or, failing that, from the environment
 * variable DMS_CLUSTER_SECRET; it is never logged, never sent, and only ever used as an HMAC key.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'

export const CLUSTER_SECRET_ENV = 'DMS_CLUSTER_SECRET'
/** 128 bits is the floor for an HMAC key an attacker may try to guess offline. */
export const MIN_SECRET_BYTES = 16

/** Wraps the key so that printing, logging or JSON-encoding it cannot reveal it by accident. */
export class ClusterSecret {
  readonly #key: Buffer

  private constructor(key: Buffer) {
    this.#key = key
  }

  /** `text` is the secret as written in the file or variable; surrounding whitespace is ignored. */
  static fromText(text: string, source: string): ClusterSecret {
    const trimmed = text.trim()
    if (Buffer.byteLength(trimmed) < MIN_SECRET_BYTES) {
      throw new Error(`${source}: the cluster secret must be at least ${MIN_SECRET_BYTES} bytes (make one with \`dms secret create FILE\`)`)
    }
    return new ClusterSecret(Buffer.from(trimmed, 'utf8'))
  }

  /** The key, for HMAC only. */
  hmacKey(): Buffer {
    return this.#key
  }

  toString(): string {
    return '[cluster secret]'
  }

  toJSON(): string {
    return '[cluster secret]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return '[cluster secret]'
  }
}

/**
 * The secret for a config: from `file` when set (a file readable by others than its owner is
 * refused, like ssh does with keys), else from the environment, else null (authentication off).
 */
export async function loadClusterSecret(file: string | null, env: NodeJS.ProcessEnv = process.env): Promise<ClusterSecret | null> {
  if (file !== null) {
    let text: string
    try {
      const info = await stat(file)
      if ((info.mode & 0o077) !== 0) {
        throw new Error(`${file}: the cluster secret file is readable by group or others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 ${file}`)
      }
      text = await readFile(file, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${file}: no such cluster secret file (make one with \`dms secret create ${file}\`)`)
      throw err
    }
    return ClusterSecret.fromText(text, file)
  }
  const fromEnv = env[CLUSTER_SECRET_ENV]
  return fromEnv === undefined || fromEnv === '' ? null : ClusterSecret.fromText(fromEnv, `environment variable ${CLUSTER_SECRET_ENV}`)
}

/** Writes a fresh random secret (256 bits, hex) to `file`, owner-only; refuses to overwrite one. */
export async function createClusterSecretFile(file: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true })
  try {
    await writeFile(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new Error(`${file}: a cluster secret file is already there; not overwriting it`)
    throw err
  }
}
