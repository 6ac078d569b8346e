/** Applies a cross-office command: coordinator records in the organizer's office, holds in participants. */
import type { KeyspaceTransaction } from '../office/keyspace-transaction.js'
import type { CalendarApplyContext } from '../calendar-service/calendar-apply-context.js'
import { applyCoordinatorCommand } from './coordinator-apply.js'
import { applyDecide, applyPrepare, applyRenew } from './participant-apply.js'
import type { XofficeCommand, XofficeResult } from './xoffice-command.js'

export async function applyXofficeCommand(command: XofficeCommand, tx: KeyspaceTransaction, ctx: CalendarApplyContext): Promise<XofficeResult> {
  switch (command.kind) {
    case 'tx.begin':
    case 'tx.decide':
    case 'tx.finish':
      return applyCoordinatorCommand(command, tx, ctx)
    case 'hold.prepare':
      return applyPrepare(command, tx, ctx)
    case 'hold.renew':
      return applyRenew(command, tx, ctx)
    case 'hold.decide':
      return applyDecide(command, tx, ctx)
  }
}
