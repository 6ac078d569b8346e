/**
 * Which office holds each person, for the free/busy fan-out: this office's own people are read
 * locally; the others are asked of every other office at once (`xoffice.locate`, one call per
 * office) and remembered, so a repeated query locates nobody. A remembered answer that turns out
 * wrong (the person moved) is forgotten by the caller and asked again next time.
 */
import type { OfficeCaller } from './office-caller.js'

export interface UserLocatorOptions {
  readonly officeId: string
  readonly offices: () => readonly string[]
  readonly office: (officeId: string) => OfficeCaller
  /** The ones of `users` this office holds (after a read barrier). */
  readonly localUsers: (users: readonly string[]) => Promise<readonly string[]>
}

export interface Placement {
  /** Person -> office, for those found. */
  readonly offices: ReadonlyMap<string, string>
  /** People no office holds. */
  readonly missing: readonly string[]
  /** Calls to other offices made. */
  readonly rpcs: number
}

export class UserLocator {
  private readonly known = new Map<string, string>()

  constructor(private readonly options: UserLocatorOptions) {}

  async place(users: readonly string[]): Promise<Placement> {
    const { officeId } = this.options
    const offices = new Map<string, string>()
    const unknown: string[] = []
    for (const user of new Set(users)) {
      const office = this.known.get(user)
      if (office === undefined || office === officeId) unknown.push(user)
      else offices.set(user, office)
    }
    let rpcs = 0
    if (unknown.length > 0) {
      for (const user of await this.options.localUsers(unknown)) offices.set(user, officeId)
      const away = unknown.filter((u) => !offices.has(u))
      if (away.length > 0) {
        const others = this.options.offices().filter((o) => o !== officeId)
        rpcs += others.length
        const answers = await Promise.all(others.map((o) => this.options.office(o).call('xoffice.locate', { users: away })))
        for (const answer of answers) for (const user of answer.users) offices.set(user, answer.office)
      }
      for (const user of unknown) {
        const office = offices.get(user)
        if (office !== undefined) this.known.set(user, office)
      }
    }
    return { offices, missing: users.filter((u) => !offices.has(u)), rpcs }
  }

  forget(user: string): void {
    this.known.delete(user)
  }
}
